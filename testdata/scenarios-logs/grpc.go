package main

// Scenarios grpc, grpc-slog: a gRPC server (google.golang.org/grpc) with
// go-grpc-middleware v2's recovery.UnaryServerInterceptor and a
// RecoveryHandlerFunc that logs the panic; the RPC handler (the standard
// health service, implemented here) fails a type assertion.
//
// The interceptor itself logs nothing: the handler func logs, then turns the
// panic into a codes.Internal status, which the client receives.
//
// Expected output (stderr):
//   grpc:      the standard log package:
//              "YYYY/MM/DD HH:MM:SS grpc: panic in /grpc.health.v1.Health/Check: interface conversion: interface {} is string, not int"
//              then debug.Stack(): goroutine N [running]:, runtime/debug.Stack,
//              main.logGRPCPanic (the handler func that logs), the
//              WithRecoveryHandler closure, recovery.recoverFrom,
//              github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery.UnaryServerInterceptor.func1.1
//              (recovered here), panic(...),
//              main.(*QuotaService).limitFor (raised here),
//              main.(*QuotaService).check, main.(*healthServer).Check, grpc
//              frames.
//   grpc-slog: log/slog JSONHandler, one line:
//              {"time":...,"level":"ERROR","msg":"panic recovered","method":...,"panic":"interface conversion: ...","stack":"goroutine N [running]:\n..."}

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

type QuotaService struct {
	limits map[string]any
}

func (q *QuotaService) limitFor(tenant string) int {
	return q.limits[tenant].(int) // "unlimited" is a string
}

func (q *QuotaService) check(tenant string, used int) bool {
	return used < q.limitFor(tenant)
}

type healthServer struct {
	healthpb.UnimplementedHealthServer
	quota *QuotaService
}

func (h *healthServer) Check(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	if !h.quota.check(req.GetService(), 10) {
		return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_NOT_SERVING}, nil
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

const checkMethod = "/grpc.health.v1.Health/Check"

// logGRPCPanic is the RecoveryHandlerFunc of scenario grpc.
func logGRPCPanic(p any) error {
	log.Printf("grpc: panic in %s: %v\n%s", checkMethod, p, debug.Stack())
	return status.Errorf(codes.Internal, "internal error")
}

var slogLogger = slog.New(slog.NewJSONHandler(os.Stderr, nil))

// slogGRPCPanic is the RecoveryHandlerFunc of scenario grpc-slog.
func slogGRPCPanic(p any) error {
	slogLogger.Error("panic recovered", "method", checkMethod, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	return status.Errorf(codes.Internal, "internal error")
}

func runGRPC(handler recovery.RecoveryHandlerFunc) {
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(
		recovery.UnaryServerInterceptor(recovery.WithRecoveryHandler(handler)),
	))
	healthpb.RegisterHealthServer(srv, &healthServer{quota: &QuotaService{
		limits: map[string]any{"acme": 100, "globex": "unlimited"},
	}})
	ln := listen()
	go srv.Serve(ln)
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fail("grpc dial: %v", err)
	}
	defer conn.Close()
	_, err = healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{Service: "globex"})
	if status.Code(err) != codes.Internal {
		fail("grpc: want Internal, got %v", err)
	}
}

func scenarioGRPC([]string)     { runGRPC(logGRPCPanic) }
func scenarioGRPCSlog([]string) { runGRPC(slogGRPCPanic) }

func init() {
	register("grpc", scenarioGRPC)
	register("grpc-slog", scenarioGRPCSlog)
}
