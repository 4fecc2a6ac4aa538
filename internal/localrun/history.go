package localrun

func (s *stepFunctionsEndpoint) getExecutionHistory(body []byte) (any, error) {
	return nil, apiErrorf("UnknownOperationException", "not yet")
}
