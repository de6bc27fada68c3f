module crashctl.test/scenarios-go127

go 1.27
