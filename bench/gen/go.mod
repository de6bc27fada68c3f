module crashctl.bench/gen

go 1.21
