// Package lambdas finds the workflow's Go functions. A function is a main
// package in a directory of its own here: the directory is its name, the
// package comment its description. Nothing else registers it; a workflow
// that names ${<Name>FunctionArn} gets it deployed, granted and run.
//
// The sources are compiled into every program that imports this package.
// That is how the list is known without a checkout, and why `go test`
// re-runs a test that builds the functions whenever one of them changes:
// its binary embeds them. No function may import this package, or every
// function's zip would change with any other function's code.
package lambdas

import (
	"embed"
	"errors"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"sync"
)

//go:embed *
var sources embed.FS

// Function is one Lambda function built from a main package in this module.
type Function struct {
	// Name is the package's directory, e.g. "hello-world": the short name in
	// resource names, zip names and outputs.
	Name string
	// Dir is the main package's directory, relative to the module root.
	Dir string
	// Description is the package comment's first sentence, shown on the
	// function in the Lambda console.
	Description string
}

// Lambda accepts at most 256 characters as a description; function names
// end up in resource names, so they keep to what every AWS name allows.
const maxDescription = 256

var functionName = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

var discovered struct {
	once      sync.Once
	functions []Function
	err       error
}

// All is every function in this directory, sorted by name.
func All() ([]Function, error) {
	discovered.once.Do(func() { discovered.functions, discovered.err = discover(sources) })
	return discovered.functions, discovered.err
}

// discover lists the main packages one directory below root.
func discover(root fs.FS) ([]Function, error) {
	entries, err := fs.ReadDir(root, ".")
	if err != nil {
		return nil, err
	}
	var functions []Function
	for _, entry := range entries {
		if !entry.IsDir() {
			continue
		}
		fn, isMain, err := readPackage(root, entry.Name())
		if err != nil {
			return nil, err
		}
		if isMain {
			functions = append(functions, fn)
		}
	}
	return functions, nil
}

// readPackage reads the package clause and comment of dir's Go files.
func readPackage(root fs.FS, dir string) (fn Function, isMain bool, err error) {
	files, err := fs.Glob(root, dir+"/*.go")
	if err != nil {
		return Function{}, false, err
	}
	var comment string
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		source, err := fs.ReadFile(root, file)
		if err != nil {
			return Function{}, false, err
		}
		parsed, err := parser.ParseFile(token.NewFileSet(), file, source, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			return Function{}, false, fmt.Errorf("lambdas/%s: %w", file, err)
		}
		if parsed.Name.Name != "main" {
			return Function{}, false, nil
		}
		comment += commentText(parsed.Doc)
	}
	if len(files) == 0 {
		return Function{}, false, nil
	}
	fn = Function{Name: dir, Dir: path.Join("lambdas", dir)}
	if !functionName.MatchString(fn.Name) {
		return Function{}, false, fmt.Errorf("%s: a function's directory is its name in every resource; use lower-case letters, digits and single hyphens, starting with a letter (e.g. hello-world)", fn.Dir)
	}
	fn.Description = new(doc.Package).Synopsis(comment)
	switch {
	case fn.Description == "":
		return Function{}, false, fmt.Errorf("%s has no package comment: it is the function's description in the Lambda console; start main.go with \"// Command %s ...\"", fn.Dir, fn.Name)
	case len(fn.Description) > maxDescription:
		return Function{}, false, fmt.Errorf("%s: the package comment's first sentence is the function's description, and Lambda accepts at most %d characters (it has %d)", fn.Dir, maxDescription, len(fn.Description))
	}
	return fn, true, nil
}

func commentText(group *ast.CommentGroup) string {
	if group == nil {
		return ""
	}
	return group.Text()
}

// PascalName is Name in PascalCase ("hello-world" → "HelloWorld"): the stem
// of the function's ${...FunctionArn} placeholder and, with a lower-case
// first letter, of its stack outputs.
func (f Function) PascalName() string {
	var pascal strings.Builder
	for _, word := range strings.Split(f.Name, "-") {
		if word != "" {
			pascal.WriteString(strings.ToUpper(word[:1]) + word[1:])
		}
	}
	return pascal.String()
}

// ArnPlaceholder is the workflow placeholder that receives the ARN of the
// function's published version.
func (f Function) ArnPlaceholder() string { return f.PascalName() + FunctionArnSuffix }

// FunctionArnSuffix ends every placeholder that names a function.
const FunctionArnSuffix = "FunctionArn"

// Queue is an SQS queue a workflow sends to and a function consumes through
// an event source mapping. The stack and the local runner both read it here,
// so the queue run locally is the queue deployed.
type Queue struct {
	// Name is the short name used in resource names.
	Name string
	// URLPlaceholder is the workflow placeholder that receives the queue's URL.
	URLPlaceholder string
	// Consumer is the name of the function its messages are delivered to.
	Consumer string
	// MaxReceiveCount is how often a message is received without success
	// before the redrive policy moves it to the dead-letter queue. For a
	// queue Lambda consumes, AWS says at least 5 (Lambda Developer Guide,
	// "Configuring an Amazon SQS queue to use with Lambda",
	// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html):
	// a batch that Lambda is throttled on counts a receive for every message
	// in it, so a lower count dead-letters good messages under throttling.
	MaxReceiveCount int
	// MaximumConcurrency caps the concurrent invocations the queue's event
	// source mapping makes (2 to 1000, Lambda Developer Guide, "Configuring
	// scaling behavior for SQS event source mappings",
	// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html),
	// so the consumer cannot take the whole of a new account's small
	// concurrency quota from the workflows' functions.
	MaximumConcurrency int
}

// Lambda's and AWS's bounds for a queue's consumer settings.
const (
	MinMaxReceiveCount    = 5
	MinMaximumConcurrency = 2
	MaxMaximumConcurrency = 1000
)

// CallbackQueue carries the callback workflow's task tokens to the worker.
var CallbackQueue = Queue{Name: "callback", URLPlaceholder: "CallbackQueueUrl", Consumer: "callback-worker", MaxReceiveCount: 5, MaximumConcurrency: MinMaximumConcurrency}

// Check says what in q AWS would refuse or advises against, or nil.
func (q Queue) Check() error {
	var errs []error
	if q.MaxReceiveCount < MinMaxReceiveCount {
		errs = append(errs, fmt.Errorf("queue %q: MaxReceiveCount %d is below %d, the least AWS advises for a queue Lambda consumes", q.Name, q.MaxReceiveCount, MinMaxReceiveCount))
	}
	if q.MaximumConcurrency < MinMaximumConcurrency || q.MaximumConcurrency > MaxMaximumConcurrency {
		errs = append(errs, fmt.Errorf("queue %q: MaximumConcurrency %d is outside %d to %d, what Lambda allows for an SQS event source mapping", q.Name, q.MaximumConcurrency, MinMaximumConcurrency, MaxMaximumConcurrency))
	}
	return errors.Join(errs...)
}

// Queues is every queue a workflow can send to.
func Queues() []Queue {
	return []Queue{CallbackQueue}
}

// The stack's default memory and timeout for every function. They live here,
// beside the functions, so that cmd/local runs the functions as deployed
// without linking the Pulumi SDK; infra's config defaults are these.
const (
	DefaultMemoryMB       = 128
	DefaultTimeoutSeconds = 10
)
