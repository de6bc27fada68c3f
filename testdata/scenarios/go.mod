module crashctl.test/scenarios

go 1.21
