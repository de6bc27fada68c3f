module crashctl.test/scenarios-odd

go 1.21
