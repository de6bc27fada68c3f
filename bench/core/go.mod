module crashctl.test/bench-core

go 1.21
