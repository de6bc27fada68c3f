module crashctl.bench/busy

go 1.21
