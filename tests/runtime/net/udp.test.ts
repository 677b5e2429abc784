// createUdpSocket() and createConnectedUdpSocket(): argument checks (raised before the opening
// checkpoint), name lookup (through node:dns at call time, so it is stubbed here), and the
// browser entry point, where every UDP call throws NotSupportedError naming itself.
import * as dns from "node:dns";
import {
  CancelScope,
  ConnectedUDPSocket,
  NoCurrentTaskError,
  SocketAttribute,
  UDPSocket,
  createConnectedUdpSocket,
  createUdpSocket,
  run,
} from "anyio-ts";
import { structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { LOOPBACK, boundDgram, closeDgram, datagram, localAddressOf, probeIpv6 } from "./udp-helpers";

afterEach(() => {
  jest.restoreAllMocks();
});

/** What `action` threw inside a run, in a scope that is already cancelled (so a checkpoint would raise Cancelled). */
function caughtWhenCancelled(action: () => Promise<unknown>): Promise<unknown> {
  return run(async () => {
    let error: unknown;
    await new CancelScope().run(async (scope) => {
      scope.cancel();
      error = await caught(action());
    });
    return error;
  });
}

describe("argument checks come before the opening checkpoint", () => {
  test.each([
    ["no options", undefined, TypeError, 'Either "family" or "localHost" must be given'],
    ["family 0 and no localHost", { family: 0 }, TypeError, 'Either "family" or "localHost" must be given'],
    [
      "a family that is not a number",
      { family: "4" },
      TypeError,
      'Expected `family` to be 0, 4 or 6, got `"4"` (string)',
    ],
    ["family 5", { family: 5 }, RangeError, "Expected `family` to be 0, 4 or 6, got `5` (number)"],
    [
      "a localHost that is not a string",
      { localHost: 1 },
      TypeError,
      "Expected `localHost` to be a string, got `1` (number)",
    ],
    [
      "an empty localHost",
      { localHost: "" },
      RangeError,
      'Expected `localHost` to be a non-empty string, got `""` (string)',
    ],
    [
      "localPort 65536",
      { family: 4, localPort: 65536 },
      RangeError,
      "Expected `localPort` to be an integer from 0 to 65535, got `65536` (number)",
    ],
    [
      "localPort 1.5",
      { family: 4, localPort: 1.5 },
      RangeError,
      "Expected `localPort` to be an integer from 0 to 65535, got `1.5` (number)",
    ],
    [
      "reusePort that is not a boolean",
      { family: 4, reusePort: 1 },
      TypeError,
      "Expected `reusePort` to be a boolean, got `1` (number)",
    ],
    ["a misspelt option", { famliy: 4 }, TypeError, "Unknown option `famliy` in `options`: did you mean `family`?"],
  ])("createUdpSocket() with %s", async (_label, options, errorClass, message) => {
    const error = await caughtWhenCancelled(() => createUdpSocket(options as never));
    expect(error).toBeInstanceOf(errorClass);
    expect((error as Error).message).toContain(message);
  });

  test.each([
    [
      "a remoteHost that is not a string",
      [null, 53],
      TypeError,
      "Expected `remoteHost` to be a string, got `null` (object)",
    ],
    [
      "remotePort 0",
      ["127.0.0.1", 0],
      RangeError,
      "Expected `remotePort` to be an integer from 1 to 65535, got `0` (number)",
    ],
    [
      "a remotePort string",
      ["127.0.0.1", "53"],
      TypeError,
      'Expected `remotePort` to be an integer from 1 to 65535, got `"53"` (string)',
    ],
    [
      "a bad option",
      ["127.0.0.1", 53, { localPort: -1 }],
      RangeError,
      "Expected `localPort` to be an integer from 0 to 65535, got `-1` (number)",
    ],
  ])("createConnectedUdpSocket() with %s", async (_label, args, errorClass, message) => {
    const error = await caughtWhenCancelled(() =>
      (createConnectedUdpSocket as (...a: unknown[]) => Promise<unknown>)(...args),
    );
    expect(error).toBeInstanceOf(errorClass);
    expect((error as Error).message).toBe(message);
  });

  structuredTest("sendto() and send() check their arguments", async () => {
    await using socket = await createUdpSocket({ localHost: LOOPBACK[4] });
    const [host, port] = localAddressOf(socket);
    const cases: Array<[() => Promise<unknown>, ErrorConstructor, string]> = [
      [
        () => socket.sendto("text" as never, host, port),
        TypeError,
        'Expected `data` to be a Uint8Array, got `"text"` (string)',
      ],
      [
        () => socket.sendto(datagram(1), 1 as never, port),
        TypeError,
        "Expected `host` to be a string, got `1` (number)",
      ],
      [
        () => socket.sendto(datagram(1), host, 0),
        RangeError,
        "Expected `port` to be an integer from 1 to 65535, got `0` (number)",
      ],
      [() => socket.send([datagram(1)] as never), TypeError, "Expected `packet` to be [data, [host, port]]"],
      [() => socket.send([datagram(1), [host]] as never), TypeError, "Expected `packet` to be [data, [host, port]]"],
    ];
    for (const [action, errorClass, message] of cases) {
      const error = await caught(action());
      expect(error).toBeInstanceOf(errorClass);
      expect((error as Error).message).toContain(message);
    }
    // A Node Buffer is a Uint8Array: accepted.
    await socket.sendto(Buffer.from("buffer"), host, port);
    expect(new TextDecoder().decode((await socket.receive())[0])).toBe("buffer");
  });
});

describe("name lookup", () => {
  structuredTest(
    "localHost is looked up through dns.promises.lookup, and its first address decides the family",
    async () => {
      const ipv6 = (await probeIpv6()).available;
      const first = ipv6 ? { address: "::1", family: 6 } : { address: "127.0.0.1", family: 4 };
      const lookup = jest
        .spyOn(dns.promises, "lookup")
        .mockResolvedValue([first, { address: "127.0.0.1", family: 4 }] as never);
      await using socket = await createUdpSocket({ localHost: "udp.example.test" });
      expect(lookup).toHaveBeenCalledWith("udp.example.test", {
        all: true,
        family: 0,
        hints: dns.ADDRCONFIG,
        verbatim: true,
      });
      expect(socket.extra(SocketAttribute.family)).toBe(ipv6 ? "IPv6" : "IPv4");
      expect(localAddressOf(socket)[0]).toBe(first.address);
    },
  );

  structuredTest(
    "createConnectedUdpSocket() looks up remoteHost in localHost's family and connects to its first address",
    async () => {
      const peer = await boundDgram(4);
      const lookup = jest.spyOn(dns.promises, "lookup").mockImplementation((async (name: string) => {
        if (name === "local.example.test") return [{ address: "127.0.0.1", family: 4 }];
        return [
          { address: "127.0.0.1", family: 4 },
          { address: "127.0.0.2", family: 4 },
        ];
      }) as never);
      try {
        await using socket = await createConnectedUdpSocket("peer.example.test", peer.address().port, {
          localHost: "local.example.test",
        });
        expect(lookup.mock.calls).toEqual([
          ["local.example.test", { all: true, family: 0, hints: dns.ADDRCONFIG, verbatim: true }],
          ["peer.example.test", { all: true, family: 4, hints: dns.ADDRCONFIG, verbatim: true }],
        ]);
        expect(socket.extra(SocketAttribute.remoteAddress)).toEqual(["127.0.0.1", peer.address().port]);
      } finally {
        await closeDgram(peer);
      }
    },
  );

  structuredTest("a failed lookup rejects with the resolver's own error and opens nothing", async () => {
    const failure = Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.test"), { code: "ENOTFOUND" });
    jest.spyOn(dns.promises, "lookup").mockRejectedValue(failure);
    expect(await caught(createUdpSocket({ localHost: "nowhere.test" }))).toBe(failure);
    expect(await caught(createConnectedUdpSocket("nowhere.test", 53))).toBe(failure);
  });

  structuredTest("an address of the other family than `family` asks for does not resolve", async () => {
    const error = (await caught(createUdpSocket({ family: 6, localHost: "127.0.0.1" }))) as NodeJS.ErrnoException;
    expect(error.code).toBe("ENOTFOUND");
    expect(error.message).toBe("getaddrinfo ENOTFOUND 127.0.0.1");
  });

  structuredTest("a lookup cancelled while it waits is abandoned, and nothing is opened", async () => {
    let called!: () => void;
    const calledPromise = new Promise<void>((resolve) => (called = resolve));
    jest.spyOn(dns.promises, "lookup").mockImplementation((() => {
      called();
      return new Promise(() => {}); // never answers
    }) as never);
    const scope = new CancelScope();
    const result = scope.run(() => createUdpSocket({ localHost: "slow.example.test" }));
    await calledPromise;
    scope.cancel();
    expect(await result).toBeUndefined(); // the scope swallowed its cancellation
  });
});

describe("outside run()", () => {
  test("receive() and send() reject with NoCurrentTaskError naming the method", async () => {
    const socket = await run(() => createUdpSocket({ localHost: LOOPBACK[4] }));
    try {
      const received = await caught(socket.receive());
      expect(received).toBeInstanceOf(NoCurrentTaskError);
      expect((received as Error).message).toContain("UDPSocket.receive()");
      const sent = await caught(socket.sendto(datagram(1), LOOPBACK[4], 9));
      expect((sent as Error).message).toContain("UDPSocket.send()");
    } finally {
      await socket.aclose();
    }
  });
});

describe("the browser entry point", () => {
  // The browser entry, loaded in a fresh module registry: nothing installs the UDP host there.
  let browser: typeof import("anyio-ts");
  beforeAll(() => {
    jest.isolateModules(() => {
      browser = require("../../../runtime/index.browser");
    });
  });

  test("loads a UDP room with no host installed, beside a Node entry that has one", () => {
    expect(browser.UDPSocket).not.toBe(UDPSocket);
    expect(browser.ConnectedUDPSocket).not.toBe(ConnectedUDPSocket);
    expect(typeof browser.createUdpSocket).toBe("function");
  });

  test.each([
    ["createUdpSocket()", () => browser.createUdpSocket({ family: 4 })],
    ["createConnectedUdpSocket()", () => browser.createConnectedUdpSocket("127.0.0.1", 53)],
    ["UDPSocket.fromSocket()", () => browser.UDPSocket.fromSocket({} as never)],
    ["ConnectedUDPSocket.fromSocket()", () => browser.ConnectedUDPSocket.fromSocket({} as never)],
    ["new UDPSocket()", async () => new (browser.UDPSocket as unknown as new (t: unknown) => unknown)({})],
    [
      "new ConnectedUDPSocket()",
      async () => new (browser.ConnectedUDPSocket as unknown as new (t: unknown) => unknown)({}),
    ],
  ])("%s throws NotSupportedError naming the call", async (call, action) => {
    const error = await caught(() => action());
    expect(error).toBeInstanceOf(browser.NotSupportedError);
    expect((error as Error).name).toBe("NotSupportedError");
    expect((error as Error).message).toBe(`${call} needs Node.js, Bun or Deno; browsers cannot open sockets`);
  });
});
