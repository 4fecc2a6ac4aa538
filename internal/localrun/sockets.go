package localrun

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// listeningSockets lists the machine's listening IPv4 TCP sockets, by local
// port, with the inode of each: what /proc/net/tcp shows, through the
// kernel's sock_diag netlink interface (inet_diag), which walks only the
// listening sockets. Reading /proc/net/tcp walks the whole connection table
// and costs milliseconds of kernel time per read, too much to poll; it is
// the fallback where sock_diag is not available (some sandboxes).
func listeningSockets() (map[uint16][]uint32, error) {
	found, err := listeningSocketsByDiag()
	if err == nil {
		return found, nil
	}
	found, procErr := listeningSocketsByProc()
	if procErr != nil {
		return nil, errors.Join(err, procErr)
	}
	return found, nil
}

func listeningSocketsByDiag() (map[uint16][]uint32, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, syscall.NETLINK_INET_DIAG)
	if err != nil {
		return nil, fmt.Errorf("listing listening sockets (sock_diag): %w", err)
	}
	defer syscall.Close(fd)
	if err := syscall.Sendto(fd, inetDiagDumpListening(), 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("listing listening sockets (sock_diag): %w", err)
	}
	found := map[uint16][]uint32{}
	buffer := make([]byte, 64<<10)
	for {
		n, _, err := syscall.Recvfrom(fd, buffer, 0)
		if err != nil {
			return nil, fmt.Errorf("listing listening sockets (sock_diag): %w", err)
		}
		messages, err := syscall.ParseNetlinkMessage(buffer[:n])
		if err != nil {
			return nil, fmt.Errorf("listing listening sockets (sock_diag): %w", err)
		}
		for _, message := range messages {
			switch message.Header.Type {
			case syscall.NLMSG_DONE:
				return found, nil
			case syscall.NLMSG_ERROR:
				return nil, errors.New("listing listening sockets (sock_diag): the kernel refused the request")
			}
			port, inode, ok := parseInetDiagMsg(message.Data)
			if ok {
				found[port] = append(found[port], inode)
			}
		}
	}
}

// The request and answer layouts of linux/inet_diag.h.
const (
	sockDiagByFamily  = 20 // SOCK_DIAG_BY_FAMILY
	tcpStateListen    = 10 // TCP_LISTEN
	inetDiagReqV2Size = 56 // struct inet_diag_req_v2
	inetDiagMsgSize   = 72 // struct inet_diag_msg
)

// inetDiagDumpListening is a netlink request for every listening IPv4 TCP
// socket: a struct nlmsghdr, then a struct inet_diag_req_v2 whose socket id
// stays zero, filtering nothing more.
func inetDiagDumpListening() []byte {
	request := make([]byte, syscall.SizeofNlMsghdr+inetDiagReqV2Size)
	binary.NativeEndian.PutUint32(request[0:], uint32(len(request)))                     // nlmsg_len
	binary.NativeEndian.PutUint16(request[4:], sockDiagByFamily)                         // nlmsg_type
	binary.NativeEndian.PutUint16(request[6:], syscall.NLM_F_REQUEST|syscall.NLM_F_DUMP) // nlmsg_flags
	body := request[syscall.SizeofNlMsghdr:]
	body[0] = syscall.AF_INET                                  // sdiag_family
	body[1] = syscall.IPPROTO_TCP                              // sdiag_protocol
	binary.NativeEndian.PutUint32(body[4:], 1<<tcpStateListen) // idiag_states
	return request
}

// parseInetDiagMsg reads the local port (big-endian, at 4) and the inode
// (at 68) of a struct inet_diag_msg.
func parseInetDiagMsg(data []byte) (port uint16, inode uint32, ok bool) {
	if len(data) < inetDiagMsgSize {
		return 0, 0, false
	}
	return binary.BigEndian.Uint16(data[4:]), binary.NativeEndian.Uint32(data[68:]), true
}

// listeningSocketsByProc reads the listening sockets from /proc/net/tcp,
// whose lines are "sl local_address rem_address st … inode …", the local
// address as hex IP:port and st 0A for LISTEN.
func listeningSocketsByProc() (map[uint16][]uint32, error) {
	table, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return nil, fmt.Errorf("listing listening sockets: %w", err)
	}
	found := map[uint16][]uint32{}
	for _, line := range strings.Split(string(table), "\n")[1:] {
		fields := strings.Fields(line)
		if len(fields) < 10 || fields[3] != "0A" {
			continue
		}
		_, hexPort, _ := strings.Cut(fields[1], ":")
		port, portErr := strconv.ParseUint(hexPort, 16, 16)
		inode, inodeErr := strconv.ParseUint(fields[9], 10, 32)
		if portErr == nil && inodeErr == nil {
			found[uint16(port)] = append(found[uint16(port)], uint32(inode))
		}
	}
	return found, nil
}
