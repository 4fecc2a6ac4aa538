package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/projectname"
)

// docCommand is one `aws …` command the documentation tells a reader to run.
type docCommand struct {
	where string // file:line
	// args are the words after "aws", quotes removed from none.
	args []string
	// administrator: the prose that introduces the command says an
	// administrator runs it; anything else is the deployer's.
	administrator bool
	// variables are what the code block set before the command (NAME=value).
	variables map[string]string
}

func (c docCommand) String() string { return c.where + ": aws " + strings.Join(c.args, " ") }

var (
	fencePattern      = regexp.MustCompile("^\\s*```")
	inlinePattern     = regexp.MustCompile("`(aws [^`]+)`")
	assignmentPattern = regexp.MustCompile(`^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$`)
	awsPattern        = regexp.MustCompile(`(?:^|[\s(;&|])aws\s`)
	administrator     = regexp.MustCompile(`(?i)\badministrator\b`)
)

// docCommands reads every `aws …` command of the README and docs/*.md: in
// code blocks, lines joined at a trailing backslash, and in inline code.
// A block's command is the administrator's when the paragraph right before
// the block says an administrator runs it; an inline command when its
// sentence does.
func docCommands(t *testing.T) []docCommand {
	t.Helper()
	pages, err := filepath.Glob("../docs/*.md")
	require.NoError(t, err)
	var commands []docCommand
	for _, page := range append([]string{"../README.md"}, pages...) {
		source, err := os.ReadFile(page)
		require.NoError(t, err)
		name := strings.TrimPrefix(page, "../")
		// The pages spell the project's name as pulumi new's placeholder.
		lines := strings.Split(projectname.Render(string(source), project), "\n")
		// paragraph is the prose since the last blank line or block;
		// previous the paragraph before it, unless a block came between.
		var paragraph, previous []string
		var block []string
		blockStart, introduction := 0, ""
		inBlock := false
		for i, line := range lines {
			switch {
			case fencePattern.MatchString(line) && !inBlock:
				inBlock, block, blockStart = true, nil, i+2
				if paragraph == nil {
					paragraph = previous
				}
				introduction, paragraph, previous = strings.Join(paragraph, " "), nil, nil
			case fencePattern.MatchString(line):
				inBlock = false
				commands = append(commands, blockCommands(t, name, blockStart, block, administrator.MatchString(introduction))...)
			case inBlock:
				block = append(block, line)
			case strings.TrimSpace(line) == "":
				commands = append(commands, inlineCommands(t, name, i, paragraph)...)
				if paragraph != nil {
					previous, paragraph = paragraph, nil
				}
			default:
				paragraph = append(paragraph, line)
			}
		}
		commands = append(commands, inlineCommands(t, name, len(lines), paragraph)...)
	}
	return commands
}

// blockCommands are the commands of one code block.
func blockCommands(t *testing.T, file string, firstLine int, block []string, byAdministrator bool) []docCommand {
	t.Helper()
	var commands []docCommand
	variables := map[string]string{}
	joined := strings.ReplaceAll(strings.Join(block, "\n"), "\\\n", " ")
	for _, line := range strings.Split(joined, "\n") {
		if match := assignmentPattern.FindStringSubmatch(line); match != nil {
			words := shellWords(match[2])
			if len(words) > 0 {
				variables[match[1]] = words[0]
			}
		}
		for _, start := range awsPattern.FindAllStringIndex(line, -1) {
			rest := line[start[1]:]
			commands = append(commands, docCommand{where: fmt.Sprintf("%s:%d", file, firstLine), args: shellWords(rest), administrator: byAdministrator, variables: cloneVariables(variables)})
		}
	}
	return commands
}

// inlineCommands are the commands in a paragraph's inline code.
func inlineCommands(t *testing.T, file string, line int, paragraph []string) []docCommand {
	t.Helper()
	text := strings.Join(paragraph, " ")
	var commands []docCommand
	for _, match := range inlinePattern.FindAllStringSubmatchIndex(text, -1) {
		sentenceStart := strings.LastIndex(text[:match[0]], ". ") + 1
		sentenceEnd := len(text)
		if end := strings.Index(text[match[1]:], ". "); end >= 0 {
			sentenceEnd = match[1] + end
		}
		commands = append(commands, docCommand{
			where:         fmt.Sprintf("%s:%d", file, line-len(paragraph)+1),
			args:          shellWords(strings.TrimPrefix(text[match[2]:match[3]], "aws ")),
			administrator: administrator.MatchString(text[sentenceStart:sentenceEnd]),
		})
	}
	return commands
}

func cloneVariables(variables map[string]string) map[string]string {
	clone := make(map[string]string, len(variables))
	for name, value := range variables {
		clone[name] = value
	}
	return clone
}

// shellWords splits a command line into words until the command ends (a
// ")" closing an enclosing "$(", ";", "|", "&" or a comment), keeping quotes
// and "$(…)" inside a word.
func shellWords(line string) []string {
	var words []string
	var word strings.Builder
	depth := 0
	var quote rune
	flush := func() {
		if word.Len() > 0 {
			words = append(words, word.String())
			word.Reset()
		}
	}
	runes := []rune(line)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
			word.WriteRune(r)
		case r == '"' || r == '\'':
			quote = r
			word.WriteRune(r)
		case r == '$' && i+1 < len(runes) && runes[i+1] == '(':
			depth++
			word.WriteString("$(")
			i++
		case r == ')' && depth > 0:
			depth--
			word.WriteRune(r)
		case depth > 0:
			word.WriteRune(r)
		case r == ')' || r == ';' || r == '|' || r == '&' || r == '#' && word.Len() == 0:
			flush()
			return words
		case unicode.IsSpace(r):
			flush()
		default:
			word.WriteRune(r)
		}
	}
	flush()
	return words
}

// iamPrefixes are the IAM service prefixes of the CLI's service names that
// differ from them.
var iamPrefixes = map[string]string{"stepfunctions": "states"}

// cliCustomizations are CLI commands that are not an API operation of the
// same name, and the operation they call (aws-cli,
// awscli/customizations/logs/tail.py: FilterLogEvents).
var cliCustomizations = map[string]string{"logs tail": "FilterLogEvents"}

// action is the IAM action a command needs: the service's prefix and the
// operation, kebab-case turned PascalCase (start-execution → StartExecution).
func (c docCommand) action() string {
	service, operation := c.args[0], c.args[1]
	prefix := service
	if p, ok := iamPrefixes[service]; ok {
		prefix = p
	}
	if custom, ok := cliCustomizations[service+" "+operation]; ok {
		return prefix + ":" + custom
	}
	var pascal strings.Builder
	for _, part := range strings.Split(operation, "-") {
		pascal.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return prefix + ":" + pascal.String()
}

// flag is the value of --name, "" when the command has none.
func (c docCommand) flag(name string) string {
	for i, arg := range c.args {
		if arg == name && i+1 < len(c.args) {
			return c.args[i+1]
		}
	}
	return ""
}

// docStack is what a command's resources resolve against: the default
// stack's outputs and, for a placeholder such as <name> or a command given
// without its resource, every resource of the kind across configurations.
type docStack struct {
	outputs                             map[string]any
	machines, functions, queues, groups []string // ARNs
}

// executionOf is an execution of the state machine machineArn.
func executionOf(machineArn string) string {
	return strings.Replace(machineArn, ":stateMachine:", ":execution:", 1) + ":0d6b2f6e-4f8c-4d1e-9a53-4c1fb2d0c0aa"
}

// resolve turns a word into what it stands for: a stack output for
// $(pulumi stack output NAME), the value a variable was set to, the
// execution an $(aws stepfunctions start-execution …) starts; ok is false
// for a placeholder (<name>) or nothing.
func (s docStack) resolve(t *testing.T, c docCommand, word string) (string, bool) {
	t.Helper()
	word = strings.Trim(word, `"'`)
	switch {
	case word == "" || strings.HasPrefix(word, "<"):
		return "", false
	case strings.HasPrefix(word, "$(pulumi stack output "):
		name := strings.TrimSuffix(strings.TrimPrefix(word, "$(pulumi stack output "), ")")
		value, ok := s.outputs[name].(string)
		require.True(t, ok, "%s: the stack has no output %q", c, name)
		return value, true
	case strings.HasPrefix(word, "$(aws stepfunctions start-execution "):
		started := docCommand{where: c.where, args: shellWords(strings.TrimSuffix(strings.TrimPrefix(word, "$(aws "), ")")), variables: c.variables}
		machine, ok := s.resolve(t, started, started.flag("--state-machine-arn"))
		require.True(t, ok, "%s: cannot tell which state machine %s starts", c, word)
		return executionOf(machine), true
	case strings.HasPrefix(word, "$"):
		value, ok := c.variables[strings.Trim(word, "${}")]
		require.True(t, ok, "%s: %s is not set in its code block", c, word)
		return s.resolve(t, c, value)
	}
	return word, true
}

// resources are the ARNs a command acts on, by the flag (or, for logs
// tail, the argument) that names them; "*" for a command that names none.
func (s docStack) resources(t *testing.T, c docCommand) []string {
	t.Helper()
	each := func(word string, all []string, arn func(string) string) []string {
		if value, ok := s.resolve(t, c, word); ok {
			return []string{arn(value)}
		}
		return all
	}
	same := func(value string) string { return value }
	switch {
	case c.flag("--state-machine-arn") != "" || c.action() == "states:StartSyncExecution" || c.action() == "states:StartExecution":
		return each(c.flag("--state-machine-arn"), s.machines, same)
	case c.flag("--state-machine-alias-arn") != "":
		// Step Functions authorizes alias actions on the state machine's
		// ARN qualified by the alias, which the policy's patterns cover.
		return each(c.flag("--state-machine-alias-arn"), qualified(s.machines, ":live"), same)
	case c.flag("--state-machine-version-arn") != "":
		return each(c.flag("--state-machine-version-arn"), qualified(s.machines, ":1"), same)
	case c.flag("--execution-arn") != "" || c.action() == "states:DescribeExecution":
		var executions []string
		for _, machine := range s.machines {
			executions = append(executions, executionOf(machine))
		}
		return each(c.flag("--execution-arn"), executions, same)
	case c.flag("--queue-url") != "":
		return each(c.flag("--queue-url"), s.queues, func(url string) string { return queueArnOf(t, url) })
	case c.flag("--function-name") != "":
		qualifier := ""
		if c.flag("--qualifier") != "" {
			qualifier = ":1" // a version, whichever the reader picks
		}
		var functions []string
		for _, function := range s.functions {
			functions = append(functions, function+qualifier)
		}
		return each(c.flag("--function-name"), functions, func(name string) string { return arnOf("lambda", "function:"+name) + qualifier })
	case c.flag("--alarm-names") != "":
		return []string{arnOf("cloudwatch", "alarm:"+c.flag("--alarm-names"))}
	case c.flag("--policy-name") != "":
		return []string{"arn:aws:iam::" + accountID + ":policy/" + c.flag("--policy-name")}
	case c.action() == "logs:FilterLogEvents":
		return each(c.args[2], s.groups, logGroupArn)
	}
	return []string{"*"}
}

// qualified is each ARN with suffix appended: a version (":1") or an alias.
func qualified(arns []string, suffix string) []string {
	out := make([]string, len(arns))
	for i, arn := range arns {
		out[i] = arn + suffix
	}
	return out
}

// TestDocumentedAWSCommandsAreAllowed runs every `aws …` command the README
// and docs/*.md tell a reader to run through the IAM simulator, as whoever
// the text says runs it. The deployer's must be allowed by
// infra/deployer-policy.json. An administrator's (creating the permissions
// boundary, say) are an administrator's to run: the deployer must be
// denied them, or the boundary would not bound anything. Commands that
// reach no AWS account are left out, each with its reason.
func TestDocumentedAWSCommandsAreAllowed(t *testing.T) {
	d := deployDefault(t)
	stack := docStack{outputs: d.outputs}
	for _, deployment := range []deployment{d, mustDeploy(t, map[string]string{"workflowType": "EXPRESS", "callbackWorkflow": "false"})} {
		for _, machine := range deployment.ofType(stateMachineType) {
			stack.machines = append(stack.machines, arnOf("states", "stateMachine:"+machine.str("name")))
		}
		for _, function := range deployment.ofType(functionType) {
			stack.functions = append(stack.functions, arnOf("lambda", "function:"+function.str("name")))
		}
		for _, queue := range deployment.ofType(queueType) {
			stack.queues = append(stack.queues, arnOf("sqs", queue.str("name")))
		}
		for _, group := range deployment.ofType(logGroupType) {
			stack.groups = append(stack.groups, logGroupArn(group.str("name")))
		}
	}
	request := deployerRequest(t)
	var cases []iamCase
	deployers, administrators := 0, 0
	for _, c := range docCommands(t) {
		switch {
		case len(c.args) == 0 || c.args[0] == "--version" || c.args[0] == "configure":
			t.Logf("%s: the CLI answers it itself, no request to AWS", c)
			continue
		case c.flag("--endpoint-url") != "" || len(c.args) > 0 && c.args[0] == "--endpoint-url":
			t.Logf("%s: goes to a local endpoint, not to AWS", c)
			continue
		}
		require.GreaterOrEqual(t, len(c.args), 2, "%s: no service and operation", c)
		if c.administrator {
			administrators++
			t.Logf("%s: an administrator's command; the deployer must be denied it", c)
		} else {
			deployers++
		}
		for _, resource := range stack.resources(t, c) {
			who := "the deployer"
			if c.administrator {
				who = "the deployer, in an administrator's command,"
			}
			cases = append(cases, iamCase{name: fmt.Sprintf("%s: %s runs %s on %s", c, who, c.action(), resource), request: request(c.action(), resource, nil), allow: !c.administrator})
		}
	}
	assert.Positive(t, deployers, "the documentation tells the deployer to run no aws command: the parser lost them")
	assert.Positive(t, administrators, "the documentation gives an administrator no aws command: the parser lost the permissions boundary's")
	judgeIAM(t, cases)
}

// TestDocCommandParsing holds the parser to commands written the ways the
// documentation writes them.
func TestDocCommandParsing(t *testing.T) {
	tests := []struct {
		line   string
		want   []string
		action string
	}{
		{`EXEC=$(aws stepfunctions start-execution --state-machine-arn "$ARN" --input '{"payload": "hi mom"}' --query executionArn --output text)`,
			[]string{"stepfunctions", "start-execution", "--state-machine-arn", `"$ARN"`, "--input", `'{"payload": "hi mom"}'`, "--query", "executionArn", "--output", "text"}, "states:StartExecution"},
		{`while [ "$(aws stepfunctions describe-execution --execution-arn "$EXEC" --query status --output text)" = RUNNING ]; do sleep 1; done`,
			[]string{"stepfunctions", "describe-execution", "--execution-arn", `"$EXEC"`, "--query", "status", "--output", "text"}, "states:DescribeExecution"},
		{`aws logs tail "$(pulumi stack output callbackWorkerLogGroupName)" --since 10m   # AWS CLI v2 only`,
			[]string{"logs", "tail", `"$(pulumi stack output callbackWorkerLogGroupName)"`, "--since", "10m"}, "logs:FilterLogEvents"},
		{`aws lambda list-versions-by-function --function-name <name>`, []string{"lambda", "list-versions-by-function", "--function-name", "<name>"}, "lambda:ListVersionsByFunction"},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			commands := blockCommands(t, "f", 1, []string{tt.line}, false)
			require.Len(t, commands, 1)
			assert.Equal(t, tt.want, commands[0].args)
			assert.Equal(t, tt.action, commands[0].action())
		})
	}
	paragraph := []string{"Once per account, an administrator (not the deployer) creates it with `aws iam create-policy --policy-name x`.", "Then run `aws sts get-caller-identity` to check."}
	commands := inlineCommands(t, "f", 3, paragraph)
	require.Len(t, commands, 2)
	assert.True(t, commands[0].administrator, "the sentence names an administrator")
	assert.False(t, commands[1].administrator, "the next sentence does not")
}
