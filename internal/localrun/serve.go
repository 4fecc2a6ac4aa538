package localrun

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"stepfunctions-go/lambdas/bundle"
	"stepfunctions-go/statemachine"
)

// ServeConfig says what the local Step Functions endpoint serves and how.
type ServeConfig struct {
	// Address is the loopback host:port to listen on; port 0 picks one.
	Address string
	// Arch, Progress, Packages, Concurrency, Faults and RetryInterval are as
	// in Config, for every workflow.
	Arch          bundle.Arch
	Progress      io.Writer
	Packages      []bundle.Package
	Concurrency   int
	Faults        FaultPlan
	RetryInterval time.Duration
	// MainType is the main workflow's type, STANDARD (the default) or
	// EXPRESS, as the stack's workflowType config. The other workflows are
	// STANDARD: they wait for task tokens, which EXPRESS cannot.
	MainType string
}

// Server is the local Step Functions endpoint: every workflow of
// statemachine/, each a Session, behind one Step Functions API.
type Server struct {
	endpoint *stepFunctionsEndpoint
	sessions []*Session
	// StateMachineARNs are the ARNs of the workflows served, main first.
	StateMachineARNs []string
}

// localStackPrefix stands for the stack's <project>-<stack> in the names
// of what the endpoint serves.
const localStackPrefix = "stepfunctions-go-local"

// StartServer starts every workflow and serves the Step Functions API for
// them on config.Address. On error it leaves nothing running.
func StartServer(ctx context.Context, config ServeConfig) (server *Server, err error) {
	if config.MainType == "" {
		config.MainType = "STANDARD"
	}
	if config.MainType != "STANDARD" && config.MainType != "EXPRESS" {
		return nil, setupErrorf("the main workflow's type %q is not STANDARD or EXPRESS", config.MainType)
	}
	if config.Progress == nil {
		config.Progress = io.Discard
	}
	endpoint, err := startStepFunctionsEndpoint(config.Address, config.Progress)
	if err != nil {
		return nil, err
	}
	server = &Server{endpoint: endpoint}
	defer func() {
		if err != nil {
			server.Close()
		}
	}()
	// One after the other: the first provisions the tools the others use.
	workflows := statemachine.Names()
	for _, workflow := range workflows {
		session, err := Start(ctx, Config{
			Workflow: workflow, Arch: config.Arch, Progress: config.Progress, Packages: config.Packages,
			Concurrency: config.Concurrency, Faults: config.Faults, RetryInterval: config.RetryInterval, endpoint: endpoint,
		})
		if err != nil {
			return nil, err
		}
		server.sessions = append(server.sessions, session)
	}
	// Registered together, once all run: a client never sees some of them.
	for i, workflow := range workflows {
		kind, name := "STANDARD", localStackPrefix+"-"+workflow
		if workflow == "main" {
			// As the stack names it: the type is part of the name.
			kind = config.MainType
			name += "-" + strings.ToLower(kind)
		}
		machine := endpoint.register(server.sessions[i], name, kind, server.sessions[i].definition)
		if workflow == "main" {
			server.StateMachineARNs = append([]string{machine.arn}, server.StateMachineARNs...)
		} else {
			server.StateMachineARNs = append(server.StateMachineARNs, machine.arn)
		}
	}
	fmt.Fprintf(config.Progress, "local: Step Functions endpoint %s (any credentials; loopback only)\n", endpoint.url)
	for _, arn := range server.StateMachineARNs {
		fmt.Fprintf(config.Progress, "local: state machine %s\n", arn)
	}
	return server, nil
}

// URL is the endpoint's address for an SDK's BaseEndpoint or the AWS CLI's
// --endpoint-url.
func (s *Server) URL() string { return s.endpoint.url }

// Close stops the endpoint and its executions, then every workflow's
// processes, and removes their files.
func (s *Server) Close() {
	s.endpoint.stop()
	var wg sync.WaitGroup
	for _, session := range s.sessions {
		wg.Go(session.Close)
	}
	wg.Wait()
}
