module crashctl.test/logwrappers/gotest

go 1.21
