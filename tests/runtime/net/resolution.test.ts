"use structured";
/**
 * Name resolution: getaddrinfo() through the host resolver (stubbed where the answer must be
 * known), with its entry shapes, orders, wildcard and argument rules; getnameinfo() on loopback.
 */
import * as dns from "node:dns";
import { CancelScope, getaddrinfo, getnameinfo } from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";

afterEach(() => jest.restoreAllMocks());

structuredDescribe("getaddrinfo()", () => {
  structuredTest("resolves an address literal to stream and dgram entries", async () => {
    expect(await getaddrinfo("127.0.0.1", 80)).toEqual([
      { family: 4, type: "stream", proto: 6, canonname: "", sockaddr: ["127.0.0.1", 80] },
      { family: 4, type: "dgram", proto: 17, canonname: "", sockaddr: ["127.0.0.1", 80] },
    ]);
  });

  structuredTest("gives one entry per address with a type, in resolver order", async () => {
    const lookup = jest.spyOn(dns.promises, "lookup").mockResolvedValue([
      { address: "127.0.0.1", family: 4 },
      { address: "::1", family: 6 },
    ] as never);
    const entries = await getaddrinfo("example.test", "8080", { type: "stream", flags: dns.ADDRCONFIG });
    expect(entries.map((entry) => [entry.family, entry.type, entry.proto, entry.sockaddr])).toEqual([
      [4, "stream", 6, ["127.0.0.1", 8080]],
      [6, "stream", 6, ["::1", 8080]],
    ]);
    expect(lookup).toHaveBeenCalledWith(
      "example.test",
      expect.objectContaining({ all: true, family: 0, hints: dns.ADDRCONFIG }),
    );
  });

  structuredTest("without a type, lists each address's stream entry then its dgram entry", async () => {
    jest.spyOn(dns.promises, "lookup").mockResolvedValue([
      { address: "::1", family: 6 },
      { address: "127.0.0.1", family: 4 },
    ] as never);
    const entries = await getaddrinfo("example.test", null);
    expect(entries.map((entry) => `${entry.sockaddr[0]} ${entry.type} ${entry.sockaddr[1]}`)).toEqual([
      "::1 stream 0",
      "::1 dgram 0",
      "127.0.0.1 stream 0",
      "127.0.0.1 dgram 0",
    ]);
  });

  structuredTest("passes the family to the resolver", async () => {
    const lookup = jest.spyOn(dns.promises, "lookup").mockResolvedValue([{ address: "::1", family: 6 }] as never);
    await getaddrinfo("example.test", 1, { family: 6 });
    expect(lookup).toHaveBeenCalledWith("example.test", expect.objectContaining({ family: 6 }));
  });

  structuredTest("resolves localhost through the real resolver", async () => {
    const entries = await getaddrinfo("localhost", 0, { type: "stream" });
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(["127.0.0.1", "::1"]).toContain(entry.sockaddr[0]);
  });

  structuredTest("converts a non-ASCII name with UTS #46 before the lookup", async () => {
    const lookup = jest.spyOn(dns.promises, "lookup").mockResolvedValue([{ address: "127.0.0.1", family: 4 }] as never);
    await getaddrinfo("bücher.example", 80);
    expect(lookup.mock.calls[0]![0]).toBe("xn--bcher-kva.example");
    await getaddrinfo("faß.de", 80); // IDNA 2008 keeps ß
    expect(lookup.mock.calls[1]![0]).toBe("xn--fa-hia.de");
  });

  structuredTest("keeps an IPv6 scope", async () => {
    const [entry] = await getaddrinfo("fe80::1%lo", 80, { type: "stream" });
    expect(entry!.sockaddr[0]).toBe("fe80::1%lo");
  });

  structuredTest("null host gives the wildcard addresses, filtered by family", async () => {
    expect((await getaddrinfo(null, 80, { type: "stream" })).map((entry) => entry.sockaddr[0])).toEqual([
      "::",
      "0.0.0.0",
    ]);
    expect((await getaddrinfo(null, 80, { family: 4, type: "stream" })).map((entry) => entry.sockaddr[0])).toEqual([
      "0.0.0.0",
    ]);
  });

  structuredTest("a failed lookup rejects with the resolver's own error", async () => {
    const error = Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.test"), { code: "ENOTFOUND" });
    jest.spyOn(dns.promises, "lookup").mockRejectedValue(error);
    const caughtError = await caught(getaddrinfo("nowhere.test", 80));
    expect(caughtError).toBe(error);
    expect((caughtError as Error).cause).toBeUndefined();
  });

  structuredTest("a service name, a bad port or a bad option is an argument error", async () => {
    expect(await caught(getaddrinfo("localhost", "http"))).toBeInstanceOf(RangeError);
    expect(await caught(getaddrinfo("localhost", 70000))).toBeInstanceOf(RangeError);
    expect(await caught(getaddrinfo("localhost", 80, { family: 5 as 4 }))).toBeInstanceOf(RangeError);
    expect(await caught(getaddrinfo("localhost", 80, { type: "raw" as "stream" }))).toBeInstanceOf(TypeError);
    expect(await caught(getaddrinfo(42 as unknown as string, 80))).toBeInstanceOf(TypeError);
    expect(await caught(getaddrinfo("localhost", 80, { proto: 6 } as object))).toBeInstanceOf(TypeError);
  });

  structuredTest("is a checkpoint: a cancelled task does not look anything up", async () => {
    const lookup = jest.spyOn(dns.promises, "lookup");
    await new CancelScope().run(async (scope) => {
      scope.cancel();
      await getaddrinfo("localhost", 80);
    });
    expect(lookup).not.toHaveBeenCalled();
  });

  structuredTest("a lookup cancelled while in flight is abandoned", async () => {
    let answer!: (value: unknown) => void;
    jest.spyOn(dns.promises, "lookup").mockReturnValue(new Promise((resolve) => (answer = resolve)) as never);
    const scope = new CancelScope();
    await scope.run(async () => {
      const pending = getaddrinfo("slow.test", 80);
      scope.cancel();
      await pending;
    });
    expect(scope.cancelledCaught).toBe(true);
    answer([{ address: "127.0.0.1", family: 4 }]);
  });
});

structuredDescribe("getnameinfo()", () => {
  structuredTest("looks up the name and service of a loopback address", async () => {
    const [host, service] = await getnameinfo(["127.0.0.1", 22]);
    expect(typeof host).toBe("string");
    expect(host.length).toBeGreaterThan(0);
    expect(["ssh", "22"]).toContain(service);
  });

  structuredTest("rejects what is not a [host, port] pair", async () => {
    expect(await caught(getnameinfo("127.0.0.1" as unknown as [string, number]))).toBeInstanceOf(TypeError);
    expect(await caught(getnameinfo(["127.0.0.1", -1]))).toBeInstanceOf(RangeError);
  });
});
