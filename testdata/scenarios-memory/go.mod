module crashctl.test/scenarios-memory

go 1.21
