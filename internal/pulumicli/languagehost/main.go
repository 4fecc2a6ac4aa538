// Command languagehost stands in for pulumi-language-go, Pulumi's Go
// language host, which the Go module proxy does not serve. `pulumi new`
// loads the project's language host even with --generate-only, to ask it
// for runtime options and to let it template the project; the real Go host
// answers both with nothing (sdk/go/pulumi-language-go/main.go,
// RuntimeOptionsPrompts and Template return empty responses), and so does
// this one. Every other call is unimplemented: it cannot run a program,
// which keeps a test from mistaking it for the real host.
//
// The test that runs `pulumi new` builds it as pulumi-language-go into a
// directory of its own on PATH, where the CLI looks for language hosts.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"stepfunctions-go/internal/pulumicli"
)

type goHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	stop func()
}

// Handshake watches the engine, as the real host does, and stops serving
// once the engine is gone: a CLI that dies leaves no host behind.
func (h goHost) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() == "" {
		return nil, errors.New("the handshake names no engine address")
	}
	if err := rpcutil.Healthcheck(context.WithoutCancel(ctx), req.GetEngineAddress(), 5*time.Minute, h.stop); err != nil {
		return nil, fmt.Errorf("watching the engine at %s: %w", req.GetEngineAddress(), err)
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

// GetPluginInfo gives the version of the CLI it stands beside, as the real
// host, built with the CLI, does.
func (goHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: strings.TrimPrefix(pulumicli.Version, "v")}, nil
}

func (goHost) RuntimeOptionsPrompts(context.Context, *pulumirpc.RuntimeOptionsRequest) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (goHost) Template(context.Context, *pulumirpc.TemplateRequest) (*pulumirpc.TemplateResponse, error) {
	return &pulumirpc.TemplateResponse{}, nil
}

func main() {
	// Serves on a loopback port the kernel picks (rpcutil listens on 127.0.0.1).
	cancel := make(chan bool)
	var once sync.Once
	stop := func() { once.Do(func() { close(cancel) }) }
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, goHost{stop: stop})
			return nil
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "languagehost: serving:", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of standard output.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintln(os.Stderr, "languagehost:", err)
		os.Exit(1)
	}
}
