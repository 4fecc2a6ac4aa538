// Package seed holds the playground's execution that every end-to-end check
// reproduces: the input it started and the output describe-execution showed.
package seed

const (
	// Input is the execution input of the seed README.
	Input = `{"payload": "hi mom"}`
	// Output is the execution output the seed README shows, byte for byte.
	Output = `{"statusCode":200,"headers":{"Access-Control-Allow-Origin":"*","Access-Control-Allow-Methods":"GET, POST, PUT, DELETE, OPTIONS","content-type":"application/json"},"body":{"payload":"MOM IH"}}`
)
