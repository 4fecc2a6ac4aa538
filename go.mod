module stepfunctions-go

go 1.26.6

require (
	github.com/aws/aws-lambda-go v1.55.1
	github.com/clipperhouse/uax29/v2 v2.7.0
	github.com/stretchr/testify v1.12.1
	golang.org/x/text v0.44.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
