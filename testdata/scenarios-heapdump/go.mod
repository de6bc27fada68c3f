module crashctl.test/scenarios-heapdump

go 1.21
