package statemachine

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"stepfunctions-go/lambdas"
)

// PartitionPlaceholder receives the AWS partition (aws, aws-cn, aws-us-gov),
// so that no template names one and the stack deploys in every partition.
const PartitionPlaceholder = "Partition"

// Workflow is a template and what its placeholders name in this project.
type Workflow struct {
	*Template
	// Functions are the functions the definition invokes, sorted by name.
	Functions []lambdas.Function
	// Queues are the queues the definition sends to.
	Queues []lambdas.Queue
}

// Project is every workflow in this directory, wired to the functions in
// lambdas/: the one description of the stack that the Pulumi program,
// cmd/package and the local runner all read.
type Project struct {
	// Workflows are keyed by name ("main").
	Workflows map[string]*Workflow
	// Functions is every function in lambdas/.
	Functions []lambdas.Function
}

// LoadProject loads and wires every workflow. A placeholder that names no
// function or queue is an error naming the placeholder and the package it
// looks for; a deploy must not start with a hole in a definition.
func LoadProject() (*Project, error) {
	functions, err := lambdas.All()
	if err != nil {
		return nil, err
	}
	project := &Project{Workflows: map[string]*Workflow{}, Functions: functions}
	for _, name := range Names() {
		template, err := Load(name)
		if err != nil {
			return nil, err
		}
		if project.Workflows[name], err = wire(template, functions); err != nil {
			return nil, err
		}
	}
	return project, nil
}

// Workflow returns the workflow called name.
func (p *Project) Workflow(name string) (*Workflow, error) {
	workflow, ok := p.Workflows[name]
	if !ok {
		return nil, fmt.Errorf("no workflow %q in statemachine/: choose one of %s", name, strings.Join(Names(), ", "))
	}
	return workflow, nil
}

// All is every workflow, in the order of Names.
func (p *Project) All() []*Workflow {
	all := make([]*Workflow, 0, len(p.Workflows))
	for _, name := range Names() {
		all = append(all, p.Workflows[name])
	}
	return all
}

// Deployed lists the functions the workflows need, sorted by name: those
// they invoke and those that consume the queues they send to. A nil
// workflow (one the configuration leaves out) needs nothing.
func (p *Project) Deployed(workflows ...*Workflow) []lambdas.Function {
	var needed []lambdas.Function
	for _, fn := range p.Functions {
		for _, workflow := range workflows {
			if workflow != nil && workflow.Needs(fn) {
				needed = append(needed, fn)
				break
			}
		}
	}
	return needed
}

// ShortestTaskTimeout is the smallest TimeoutSeconds of any Task state in
// any workflow: a function must finish well within it.
func (p *Project) ShortestTaskTimeout() int {
	shortest := 0
	for _, workflow := range p.Workflows {
		if workflow.ShortestTaskTimeout > 0 && (shortest == 0 || workflow.ShortestTaskTimeout < shortest) {
			shortest = workflow.ShortestTaskTimeout
		}
	}
	return shortest
}

// Unused lists the functions in lambdas/ that no workflow needs. They are
// not deployed. This is a warning, not an error: a function written before
// the state that calls it breaks nothing, but a user must hear that it is
// left out (most often, a placeholder spelt differently from the package).
func (p *Project) Unused() []lambdas.Function {
	deployed := p.Deployed(p.All()...)
	var unused []lambdas.Function
	for _, fn := range p.Functions {
		if !slices.Contains(deployed, fn) {
			unused = append(unused, fn)
		}
	}
	return unused
}

// UnusedWarning says which functions are left out and how to use them, or
// "" when every function is used.
func (p *Project) UnusedWarning() string {
	unused := p.Unused()
	if len(unused) == 0 {
		return ""
	}
	var names, placeholders []string
	for _, fn := range unused {
		names = append(names, fn.Dir)
		placeholders = append(placeholders, "${"+fn.ArnPlaceholder()+"}")
	}
	return fmt.Sprintf("%s: no workflow in statemachine/ names %s, so it is not deployed or run", strings.Join(names, ", "), strings.Join(placeholders, ", "))
}

// Needs reports whether the workflow invokes fn or sends to a queue fn consumes.
func (w *Workflow) Needs(fn lambdas.Function) bool {
	return slices.Contains(w.Functions, fn) || slices.ContainsFunc(w.Queues, func(q lambdas.Queue) bool { return q.Consumer == fn.Name })
}

// wire resolves each placeholder of template to a function, a queue or the
// partition.
func wire(template *Template, functions []lambdas.Function) (*Workflow, error) {
	workflow := &Workflow{Template: template}
	for _, placeholder := range template.Placeholders() {
		queue := slices.IndexFunc(lambdas.Queues(), func(q lambdas.Queue) bool { return q.URLPlaceholder == placeholder })
		function := slices.IndexFunc(functions, func(fn lambdas.Function) bool { return fn.ArnPlaceholder() == placeholder })
		switch {
		case placeholder == PartitionPlaceholder:
		case function >= 0:
			workflow.Functions = append(workflow.Functions, functions[function])
		case queue >= 0:
			q := lambdas.Queues()[queue]
			if !slices.ContainsFunc(functions, func(fn lambdas.Function) bool { return fn.Name == q.Consumer }) {
				return nil, fmt.Errorf("workflow %q sends to the %s queue, whose consumer lambdas/%s is not a main package", template.Name, q.Name, q.Consumer)
			}
			workflow.Queues = append(workflow.Queues, q)
		case strings.HasSuffix(placeholder, lambdas.FunctionArnSuffix):
			return nil, fmt.Errorf("statemachine/%s%s names ${%s}, but there is no function for it: create lambdas/%s/ (a main package that calls lambda.Start), or fix the placeholder to one of %s",
				template.Name, extension, placeholder, kebab(strings.TrimSuffix(placeholder, lambdas.FunctionArnSuffix)), strings.Join(arnPlaceholders(functions), ", "))
		default:
			return nil, fmt.Errorf("statemachine/%s%s names ${%s}, which nothing provides: use ${<Function>%s} for a function in lambdas/, a queue's ${%s}, or ${%s}",
				template.Name, extension, placeholder, lambdas.FunctionArnSuffix, lambdas.CallbackQueue.URLPlaceholder, PartitionPlaceholder)
		}
	}
	slices.SortFunc(workflow.Functions, func(a, b lambdas.Function) int { return strings.Compare(a.Name, b.Name) })
	return workflow, nil
}

func arnPlaceholders(functions []lambdas.Function) []string {
	names := make([]string, len(functions))
	for i, fn := range functions {
		names[i] = "${" + fn.ArnPlaceholder() + "}"
	}
	return names
}

// kebab turns a PascalCase stem into the directory name it stands for
// ("HelloWorld" → "hello-world").
func kebab(pascal string) string {
	var name strings.Builder
	for i, r := range pascal {
		if 'A' <= r && r <= 'Z' {
			if i > 0 {
				name.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		name.WriteRune(r)
	}
	return name.String()
}

// Example is what a workflow returns for one input: the playground's
// execution, kept beside each workflow as <name>.example.json, so the local
// tests and the acceptance test on AWS expect the same thing.
type Example struct {
	Input  json.RawMessage `json:"input"`
	Output json.RawMessage `json:"output"`
}

// LoadExample reads statemachine/<name>.example.json.
func LoadExample(name string) (Example, error) {
	source, err := files.ReadFile(name + exampleExtension)
	if err != nil {
		return Example{}, fmt.Errorf("workflow %q has no statemachine/%s%s: add {\"input\": ..., \"output\": ...} with what it returns", name, name, exampleExtension)
	}
	var example Example
	if err := json.Unmarshal(source, &example); err != nil || example.Input == nil || example.Output == nil {
		return Example{}, fmt.Errorf("statemachine/%s%s must be a JSON object with \"input\" and \"output\": %v", name, exampleExtension, err)
	}
	return example, nil
}

// FunctionOf is the function a state on the path invokes, if any.
func (w *Workflow) FunctionOf(state State) (lambdas.Function, bool) {
	for _, fn := range w.Functions {
		if state.FunctionArn == "${"+fn.ArnPlaceholder()+"}" {
			return fn, true
		}
	}
	return lambdas.Function{}, false
}
