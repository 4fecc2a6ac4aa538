package localrun

import (
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/lambdas/bundle"
)

// An emulator's ports are found by binding and releasing them, so another
// process can take one before the emulator binds it: a busy machine opens
// connections and listeners all the time. The emulator must still answer
// with its own function, from its own process: it starts again on fresh
// ports, and is ready only when it listens on both of its own.
func TestAnEmulatorWhosePortIsTakenStartsAgain(t *testing.T) {
	workflow, example := workflowOf(t, "main")
	fn := stepFunction(t, workflow, 0)
	packages := packagesFor(t, bundle.HostArch())
	pkg := packages[slices.IndexFunc(packages, func(pkg bundle.Package) bool { return pkg.Function.Name == fn })]
	bootstrap, err := unpack(pkg, t.TempDir())
	require.NoError(t, err)
	tools := testTools(t)
	const impostor = `{"answered":"by another process"}`
	for i, port := range []string{"the invocation address", "the Runtime API"} {
		t.Run(port, func(t *testing.T) {
			// Another process listens on the port first, and answers
			// whatever comes, as another emulator would.
			var taken net.Listener
			testHookPortsChosen = func(ports []string) {
				if taken != nil {
					return // once
				}
				var err error
				taken, err = net.Listen("tcp", net.JoinHostPort("127.0.0.1", ports[i]))
				require.NoError(t, err)
				go http.Serve(taken, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Write([]byte(impostor))
				}))
			}
			t.Cleanup(func() { testHookPortsChosen = nil })
			e, err := startEmulator(t.Context(), tools, pkg.Function, bootstrap, nil)
			require.NotNil(t, taken, "the hook took no port")
			defer taken.Close()
			require.NoError(t, err)
			defer e.stop()
			assert.NotContains(t, e.ports, strconv.Itoa(taken.Addr().(*net.TCPAddr).Port), "started on fresh ports")
			answer, err := e.invoke(t.Context(), example.Input)
			require.NoError(t, err)
			assert.NotEqual(t, impostor, string(answer), "the invocation reached the other process")
			assert.Nil(t, functionError(answer), "the function's own answer: %s", answer)
		})
	}
}

// The readiness check sees a listening socket, on its port, as the
// listening process's own.
func TestListensOnKnowsWhoseSocketItIs(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer listener.Close()
	port := strconv.Itoa(listener.Addr().(*net.TCPAddr).Port)
	mine, err := listensOn(os.Getpid(), []string{port})
	require.NoError(t, err)
	assert.True(t, mine, "this process listens on %s", port)
	theirs, err := listensOn(os.Getppid(), []string{port})
	require.NoError(t, err)
	assert.False(t, theirs, "the parent process does not listen on %s", port)
	listener.Close()
	closed, err := listensOn(os.Getpid(), []string{port})
	require.NoError(t, err)
	assert.False(t, closed, "nobody listens on %s once it is closed", port)
}

// Where sock_diag is not available, /proc/net/tcp lists the same listening
// sockets.
func TestTheTwoWaysToListListeningSocketsAgree(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer listener.Close()
	port := uint16(listener.Addr().(*net.TCPAddr).Port)
	byDiag, err := listeningSocketsByDiag()
	require.NoError(t, err)
	byProc, err := listeningSocketsByProc()
	require.NoError(t, err)
	require.NotEmpty(t, byDiag[port], "sock_diag lists the listener on %d", port)
	assert.Equal(t, byDiag[port], byProc[port])
}
