package jsonpath

// evaluate runs a parsed intrinsic call; key is the field it sits in.
func (c *call) evaluate(key string, scope Scope) (any, error) {
	values := make([]any, len(c.args))
	for i, a := range c.args {
		var err error
		switch {
		case a.call != nil:
			values[i], err = a.call.evaluate(key, scope)
		case a.path != nil:
			values[i], err = scope.fieldValue(key, a.path)
		default:
			values[i] = a.literal
		}
		if err != nil {
			return nil, err
		}
	}
	if err := c.fn.checkValues(values); err != nil {
		return nil, err
	}
	env := runEnv{entropy: scope.entropy()}
	if len(c.args) > 0 && c.fn.name == "States.Format" {
		env.template = c.args[0].format
		if env.template == nil {
			env.template = placeholdersOf(values[0].(string))
		}
	}
	return c.fn.run(values, env)
}
