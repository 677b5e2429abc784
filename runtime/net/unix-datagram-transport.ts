/**
 * A UNIX datagram socket of the native host seen as the transport `DatagramEndpoint` drives (the
 * queue, one receive and one send at a time, closing): the sender's path takes the place of the
 * host, the port is always 0. Internal.
 */
import type { DatagramTransport } from "./udp-host";
import type { UnixDatagramTransport } from "./native-host";

/** `transport` as the endpoint of the UDP sockets expects it. */
export function asEndpointTransport(transport: UnixDatagramTransport): DatagramTransport {
  return {
    raw: transport.raw,
    // The endpoint never reads the family; the UNIX socket classes report "unix" themselves.
    family: "unix" as unknown as "IPv4",
    attach: (onDatagram, onError) => transport.attach((data, sender) => onDatagram(data, sender, 0), onError),
    send: (data, path, _port, done) => transport.send(data, path, done),
    close: () => transport.close(),
    localAddress: () => [transport.localPath(), 0],
    remoteAddress: () => [transport.remotePath(), 0],
  };
}
