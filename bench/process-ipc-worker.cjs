// The raw baseline of bench/process.ts's round trip: a forked process that answers each IPC
// message { id, a, b } with { id, value: a + b } (advanced serialization, as toProcess uses).
process.on("message", (message) => process.send({ id: message.id, value: message.a + message.b }));
process.on("disconnect", () => process.exit(0));
process.send({ ready: true });
