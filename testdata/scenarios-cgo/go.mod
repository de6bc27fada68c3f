module crashctl.test/scenarios-cgo

go 1.21
