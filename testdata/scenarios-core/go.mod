module crashctl.test/scenarios-core

go 1.21
