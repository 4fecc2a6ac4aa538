package localrun

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"stepfunctions-go/internal/projectname"
	"stepfunctions-go/lambdas/bundle"
	"stepfunctions-go/statemachine"
)

// ServeConfig says what the local Step Functions endpoint serves and how.
type ServeConfig struct {
	// Address is the loopback host:port to listen on; port 0 picks one.
	Address string
	// MainType is the main workflow's type, STANDARD (the default) or
	// EXPRESS, as the stack's workflowType config. The other workflows are
	// STANDARD: they wait for task tokens, which EXPRESS cannot.
	MainType string
	// Sessions configures every workflow's Session; its Workflow is set
	// for each.
	Sessions Config
	// MockConfig, when set, is a mock config file in Step Functions
	// Local's format: an execution started on <stateMachineArn>#<test case>
	// answers the states its test case mocks with their mocked responses.
	MockConfig string
}

// Server is the local Step Functions endpoint: every workflow of
// statemachine/, each a Session, behind one Step Functions API.
type Server struct {
	endpoint *stepFunctionsEndpoint
	sessions []*Session
	// StateMachineARNs are the ARNs of the workflows served, main first;
	// Workflows names the workflow in statemachine/ of each.
	StateMachineARNs, Workflows []string
}

// projectName is the name in the project's Pulumi.yaml, which the names
// of what runs here begin with, as a deployed stack's do.
func projectName(ctx context.Context) (string, error) {
	root, err := bundle.ModuleRoot(ctx)
	if err != nil {
		return "", setupErrorf("%v", err)
	}
	project, err := projectname.Read(root)
	if err != nil {
		return "", setupErrorf("%v", err)
	}
	return project, nil
}

// localStack stands for the stack in the names of what the endpoint serves,
// which begin <project>-local where a deployed stack's begin
// <project>-<stack>.
const localStack = "local"

// StartServer starts every workflow and serves the Step Functions API for
// them on config.Address. On error it leaves nothing running.
func StartServer(ctx context.Context, config ServeConfig) (server *Server, err error) {
	if config.MainType == "" {
		config.MainType = "STANDARD"
	}
	if config.MainType != "STANDARD" && config.MainType != "EXPRESS" {
		return nil, setupErrorf("the main workflow's type %q is not STANDARD or EXPRESS", config.MainType)
	}
	project, err := projectName(ctx)
	if err != nil {
		return nil, err
	}
	var mocks *mockConfig
	if config.MockConfig != "" {
		if mocks, err = readMockConfig(config.MockConfig); err != nil {
			return nil, err
		}
	}
	progress := config.Sessions.Progress
	if progress == nil {
		progress = io.Discard
	}
	endpoint, err := startStepFunctionsEndpoint(config.Address, progress)
	if err != nil {
		return nil, err
	}
	endpoint.mocks = mocks
	server = &Server{endpoint: endpoint}
	defer func() {
		if err != nil {
			server.Close()
		}
	}()
	// One after the other: the first provisions the tools the others use.
	workflows := statemachine.Names()
	for _, workflow := range workflows {
		sessionConfig := config.Sessions
		sessionConfig.Workflow, sessionConfig.endpoint = workflow, endpoint
		session, err := Start(ctx, sessionConfig)
		if err != nil {
			return nil, err
		}
		server.sessions = append(server.sessions, session)
	}
	// Registered together, once all run, and only then served: until then
	// the endpoint, which the callback workers need from the start, answers
	// the execution API with ServiceUnavailable, never an empty list.
	for i, workflow := range workflows {
		kind, name := "STANDARD", project+"-"+localStack+"-"+workflow
		if workflow == "main" {
			// As the stack names it: the type is part of the name.
			kind = config.MainType
			name += "-" + strings.ToLower(kind)
		}
		machine := endpoint.register(server.sessions[i], name, kind, server.sessions[i].definition)
		if workflow == "main" {
			server.StateMachineARNs = append([]string{machine.arn}, server.StateMachineARNs...)
			server.Workflows = append([]string{workflow}, server.Workflows...)
		} else {
			server.StateMachineARNs = append(server.StateMachineARNs, machine.arn)
			server.Workflows = append(server.Workflows, workflow)
		}
	}
	endpoint.serve(server.sessions)
	fmt.Fprintf(progress, "local: Step Functions endpoint %s (any credentials; loopback only)\n", endpoint.url)
	for _, arn := range server.StateMachineARNs {
		fmt.Fprintf(progress, "local: state machine %s\n", arn)
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
