package asl

import (
	"regexp"
	"sort"
	"strings"

	"stepfunctions-go/internal/asl/value"
)

// Assign and the variable scopes, as Load checks them.

var variableName = regexp.MustCompile(`^[\p{L}_][\p{L}\p{N}_]*$`)

// assign reads an Assign object: variable names to values (templates in
// JSONPath, JSONata values or expressions in JSONata).
func (l *loader) assign(f *fields, name, language string) *value.Object {
	v, ok := f.raw(name)
	if !ok {
		return nil
	}
	m, isObject := v.(*value.Object)
	if !isObject {
		f.fail(name, "must be a JSON object of variable names to values, not %s", describe(v))
		return nil
	}
	for _, key := range m.Keys() {
		variable := strings.TrimSuffix(key, ".$")
		switch {
		case !variableName.MatchString(variable) || len([]rune(variable)) > 80:
			f.fail(name, "has %q, which is not a variable name (a letter or _, then letters, digits or _; at most 80 characters)", key)
		case variable == "states":
			f.fail(name, "cannot assign $states, which Step Functions reserves")
		}
	}
	if language == JSONPath {
		f.validateTemplate(name, m)
	}
	return m
}

// checkScopes refuses a state in a Parallel branch or Map iteration that
// assigns a variable an enclosing scope assigns: inner states may read
// outer variables, not assign them.
func (l *loader) checkScopes(g *Graph, outer map[string]string) {
	here := map[string]string{}
	for k, v := range outer {
		here[k] = v
	}
	names := make([]string, 0, len(g.States))
	for name := range g.States {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, variable := range g.States[name].assignedNames() {
			if owner, ok := outer[variable]; ok {
				l.problem("state %q: Assign: variable %q is assigned by state %q in an enclosing scope; a Parallel branch or Map iteration may read it, not assign it", name, variable, owner)
			} else if _, ok := here[variable]; !ok {
				here[variable] = name
			}
		}
	}
	for _, name := range names {
		st := g.States[name]
		for _, b := range st.Branches {
			l.checkScopes(b, here)
		}
		if st.Processor != nil {
			l.checkScopes(st.Processor, here)
		}
	}
}

func (s *State) assignedNames() []string {
	var out []string
	add := func(m *value.Object) {
		for _, k := range m.Keys() {
			out = append(out, strings.TrimSuffix(k, ".$"))
		}
	}
	add(s.Assign)
	for _, c := range s.Catch {
		add(c.Assign)
	}
	for _, r := range s.Choices {
		add(r.Assign)
	}
	sort.Strings(out)
	return out
}
