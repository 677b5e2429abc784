"use structured";
// Subprocesses: AnyIO's subprocess tests re-expressed (running, checking, pipes, terminate,
// closing under cancellation, a grandchild holding the pipes), plus the rules of this port:
// every cancelled or closed child is gone and reaped afterwards (no pid, no zombie).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  BrokenResourceError,
  BufferedByteReceiveStream,
  BusyResourceError,
  CalledProcessError,
  CancelScope,
  Cancelled,
  ClosedResourceError,
  CompletedProcess,
  EndOfStream,
  createTaskGroup,
  failAfter,
  openFile,
  openProcess,
  runProcess,
  sleep,
  waitAllTasksBlocked,
  type Process,
} from "anyio-ts";
import { structuredDescribe, structuredTest } from "anyio-ts/jest";
import { caught } from "../../helpers";
import { childrenOfThisProcess, expectReaped, fixture, node } from "./process-helpers";

const text = (bytes: Uint8Array | null): string => new TextDecoder().decode(bytes!);
const bytes = (value: string): Uint8Array => new TextEncoder().encode(value);

/** Waits (polling /proc) until a child of ours that was not in `before` appears; returns its pid. */
async function newChild(before: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const fresh = childrenOfThisProcess().filter((pid) => !before.includes(pid));
    if (fresh.length > 0) return fresh[0]!;
    await sleep(5);
  }
  throw new Error("no child process appeared");
}

/** The first line the child writes to stdout (without its newline). */
async function readLine(process: Process): Promise<string> {
  const buffered = new BufferedByteReceiveStream(process.stdout!);
  return text(await buffered.receiveUntil(bytes("\n"), 1000));
}

let scratch: string;
beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "anyio-ts-process-"));
});
afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

structuredDescribe(
  "runProcess",
  () => {
    structuredTest("runs a program given as an array without a shell and feeds it the input", async () => {
      const result = await runProcess(node("reverses-stdin.cjs"), { input: bytes("abc") });
      expect(result).toBeInstanceOf(CompletedProcess);
      expect(result.exitCode).toBe(0);
      expect(result.signalCode).toBeNull();
      expect(text(result.stdout)).toBe("cba");
      expect(text(result.stderr)).toBe("");
      expect(result.args).toEqual(node("reverses-stdin.cjs"));
    });

    structuredTest("runs a string command through the shell, with string input as UTF-8", async () => {
      const result = await runProcess(`echo $((40 + 2)) && "${process.execPath}" "${fixture("reverses-stdin.cjs")}"`, {
        input: "été",
      });
      expect(text(result.stdout)).toBe("42\n" + new TextDecoder().decode(bytes("été").reverse()));
      expect(result.args).toContain("echo");
    });

    structuredTest("a non-zero exit raises CalledProcessError with the output collected", async () => {
      const error = (await caught(runProcess(node("fails-with-output.cjs")))) as CalledProcessError;
      expect(error).toBeInstanceOf(CalledProcessError);
      expect(error.name).toBe("CalledProcessError");
      expect(error.exitCode).toBe(1);
      expect(error.signalCode).toBeNull();
      expect(text(error.stdout)).toBe("stdout-text\n");
      expect(text(error.stderr)).toBe("stderr-text\n");
      expect(error.cmd).toEqual(node("fails-with-output.cjs"));
      expect(error.message).toBe(
        `Command ${JSON.stringify(node("fails-with-output.cjs"))} returned non-zero exit status 1.`,
      );
    });

    structuredTest("check: false returns the non-zero exit code", async () => {
      const result = await runProcess(node("exits-3.cjs"), { check: false });
      expect(result.exitCode).toBe(3);
    });

    structuredTest("death by a signal is exit code -N and says so in CalledProcessError", async () => {
      const result = await runProcess("kill -9 $$", { check: false });
      expect(result.exitCode).toBe(-9);
      expect(result.signalCode).toBe("SIGKILL");
      const error = (await caught(runProcess("kill -9 $$"))) as CalledProcessError;
      expect(error.message).toBe('Command "kill -9 $$" died with SIGKILL.');
      expect(error.exitCode).toBe(-9);
    });

    structuredTest("streams that are not piped are null in the result", async () => {
      const result = await runProcess(node("fails-with-output.cjs"), {
        stdout: "ignore",
        stderr: "ignore",
        check: false,
      });
      expect(result.stdout).toBeNull();
      expect(result.stderr).toBeNull();
    });

    structuredTest("stdin and input together are refused before anything starts", async () => {
      const before = childrenOfThisProcess();
      const error = await caught(runProcess(node("exits-3.cjs"), { input: "x", stdin: "pipe" }));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe("only one of stdin and input is allowed");
      expect(childrenOfThisProcess()).toEqual(before);
    });

    structuredTest("options are checked: an unknown key or a bad stdio spec is a TypeError", async () => {
      expect(await caught(runProcess(["true"], { stdn: "pipe" } as never))).toBeInstanceOf(TypeError);
      const error = await caught(runProcess(["true"], { stdout: "nowhere" as never }));
      expect((error as Error).message).toBe(
        'Expected `stdout` to be "pipe", "inherit", "ignore", a file descriptor, a FileHandle or an AsyncFile, got `"nowhere"` (string)',
      );
      expect(await caught(runProcess([]))).toBeInstanceOf(RangeError);
      expect(await caught(runProcess(["true"], { user: -1 }))).toBeInstanceOf(RangeError);
    });

    structuredTest("cwd sets the child's working directory", async () => {
      const result = await runProcess(node("prints-cwd.cjs"), { cwd: scratch });
      expect(text(result.stdout)).toBe(fs.realpathSync(scratch));
    });

    structuredTest("env replaces the environment and drops undefined values", async () => {
      const result = await runProcess(node("prints-env.cjs"), { env: { FOO: "bar", GONE: undefined } });
      const env = JSON.parse(text(result.stdout)) as Record<string, string>;
      expect(env.FOO).toBe("bar");
      expect("GONE" in env).toBe(false);
      expect(env.HOME).toBeUndefined();
    });

    structuredTest("startNewSession puts the child in a session of its own", async () => {
      const mine = fs.readFileSync("/proc/self/stat", "utf8");
      const ourSession = mine.slice(mine.lastIndexOf(")") + 2).split(" ")[3];
      const same = await runProcess(node("prints-session.cjs"));
      expect(text(same.stdout)).toBe(ourSession);
      const separate = await runProcess(node("prints-session.cjs"), { startNewSession: true });
      expect(text(separate.stdout)).not.toBe(ourSession);
    });

    structuredTest("user and group accept our own ids", async () => {
      const result = await runProcess(node("prints-cwd.cjs"), { user: process.getuid!(), group: process.getgid!() });
      expect(result.exitCode).toBe(0);
    });

    structuredTest("passFds hands our descriptors to the child as fds 3, 4, …", async () => {
      const target = path.join(scratch, "fd3.txt");
      const fd = fs.openSync(target, "w");
      try {
        await runProcess(node("writes-to-fd-3.cjs"), { passFds: [fd] });
      } finally {
        fs.closeSync(fd);
      }
      expect(fs.readFileSync(target, "utf8")).toBe("through fd 3");
    });

    structuredTest('stderr: "stdout" sends both into the stdout bytes', async () => {
      const result = await runProcess(node("prints-stdin-to-both.cjs"), { input: "hi", stderr: "stdout" });
      expect(result.stderr).toBeNull();
      expect(text(result.stdout).split("\n").sort()).toEqual(["", "err: hi", "out: hi"]);
    });

    structuredTest("stdio can be connected to open files (an AsyncFile and FileHandles)", async () => {
      const input = path.join(scratch, "in.txt");
      fs.writeFileSync(input, "Hello, process!\n");
      const stdin = await openFile(input, "rb");
      const stdout = await fs.promises.open(path.join(scratch, "out.txt"), "w");
      const stderr = await fs.promises.open(path.join(scratch, "err.txt"), "w");
      try {
        const result = await runProcess(node("prints-stdin-to-both.cjs"), { stdin, stdout, stderr });
        expect(result.stdout).toBeNull();
      } finally {
        await stdin.aclose();
        await stdout.close();
        await stderr.close();
      }
      expect(fs.readFileSync(path.join(scratch, "out.txt"), "utf8")).toBe("out: Hello, process!\n");
      expect(fs.readFileSync(path.join(scratch, "err.txt"), "utf8")).toBe("err: Hello, process!\n");
    });

    structuredTest("a program that does not exist rejects with ENOENT and leaves nothing running", async () => {
      const before = childrenOfThisProcess();
      const error = (await caught(runProcess(["/nonexistent/program"]))) as NodeJS.ErrnoException;
      expect(error.code).toBe("ENOENT");
      const inMissingDir = (await caught(
        runProcess(["true"], { cwd: path.join(scratch, "missing") }),
      )) as NodeJS.ErrnoException;
      expect(inMissingDir.code).toBe("ENOENT");
      expect(childrenOfThisProcess()).toEqual(before);
    });

    structuredTest("a cancelled task starts nothing", async () => {
      const before = childrenOfThisProcess();
      await new CancelScope().run(async (scope) => {
        scope.cancel();
        await runProcess(node("sleeps.cjs"));
        throw new Error("not reached");
      });
      expect(childrenOfThisProcess()).toEqual(before);
    });

    structuredTest("cancelling it kills the child with SIGKILL and reaps it before Cancelled propagates", async () => {
      const before = childrenOfThisProcess();
      let outcome: unknown = "none";
      let pid = 0;
      {
        await using tg = createTaskGroup();
        tg.startSoon(async () => {
          try {
            await runProcess(node("ignores-sigterm.cjs"));
          } catch (error) {
            outcome = error;
            // Reaped already, before the cancellation reached us.
            expectReaped(pid);
            throw error;
          }
        });
        pid = await newChild(before);
        tg.cancelScope.cancel();
      }
      expect(outcome).toBeInstanceOf(Cancelled);
      expectReaped(pid);
    });

    structuredTest("a deadline that expires in runProcess leaves no zombie", async () => {
      const before = childrenOfThisProcess();
      const scope = new CancelScope();
      let pid = 0;
      {
        await using tg = createTaskGroup();
        tg.startSoon(async () => {
          await scope.run(() => runProcess(node("sleeps.cjs")));
        });
        pid = await newChild(before);
        scope.deadline = 0;
      }
      expect(scope.cancelledCaught).toBe(true);
      expectReaped(pid);
    });
  },
  { timeout: 30_000 },
);

structuredDescribe(
  "openProcess and Process",
  () => {
    structuredTest("terminate() sends SIGTERM and wait() returns the exit code", async () => {
      await using process = await openProcess(node("exits-2-on-sigterm.cjs"));
      expect(process.exitCode).toBeNull();
      expect(await readLine(process)).toBe("ready");
      process.terminate();
      expect(await process.wait()).toBe(2);
      expect(process.exitCode).toBe(2);
      expect(process.signalCode).toBeNull();
    });

    structuredTest("kill() ends a child that ignores SIGTERM: exit code -9", async () => {
      await using process = await openProcess(node("ignores-sigterm.cjs"));
      expect(await readLine(process)).toBe("ready");
      process.terminate();
      process.sendSignal("SIGCONT");
      process.kill();
      expect(await process.wait()).toBe(-9);
      expect(process.signalCode).toBe("SIGKILL");
    });

    structuredTest("sendSignal() takes a number too", async () => {
      await using process = await openProcess(node("sleeps.cjs"));
      expect(await readLine(process)).toBe("ready");
      process.sendSignal(15);
      expect(await process.wait()).toBe(-15);
      expect(process.signalCode).toBe("SIGTERM");
    });

    structuredTest("signals after the child was reaped do nothing", async () => {
      const process = await openProcess(node("exits-3.cjs"));
      expect(await process.wait()).toBe(3);
      process.kill();
      process.terminate();
      process.sendSignal("SIGINT");
      await process.aclose();
      expect(process.exitCode).toBe(3);
      expectReaped(process.pid);
    });

    structuredTest("receive() refuses a maxBytes that is not a positive integer", async () => {
      await using process = await openProcess(node("exits-3.cjs"));
      for (const maxBytes of [0, -1, 1.5]) {
        expect(await caught(process.stdout!.receive(maxBytes))).toBeInstanceOf(RangeError);
      }
      await process.wait();
    });

    structuredTest("wait() is a checkpoint even after the child exited", async () => {
      await using process = await openProcess(node("exits-3.cjs"));
      await process.wait();
      await new CancelScope().run(async (scope) => {
        scope.cancel();
        const error = await caught(process.wait());
        expect(error).toBeInstanceOf(Cancelled);
      });
    });

    structuredTest("two tasks receiving from one pipe: the second gets BusyResourceError", async () => {
      await using process = await openProcess(node("sleeps.cjs"));
      expect(await readLine(process)).toBe("ready");
      let first: unknown;
      {
        await using tg = createTaskGroup();
        tg.startSoon(async () => {
          first = await caught(process.stdout!.receive());
        });
        await waitAllTasksBlocked();
        expect(await caught(process.stdout!.receive())).toBeInstanceOf(BusyResourceError);
        process.kill();
      }
      expect(first).toBeInstanceOf(EndOfStream);
    });

    structuredTest("leaving the block by cancellation kills and reaps the child (no orphan)", async () => {
      let process: Process | undefined;
      await new CancelScope().run(async (scope) => {
        await using opened = await openProcess(node("sleeps.cjs"));
        process = opened;
        scope.cancel();
      });
      expect(process!.exitCode).not.toBeNull();
      expect(process!.exitCode).not.toBe(0);
      expect(process!.signalCode).toBe("SIGKILL");
      expectReaped(process!.pid);
    });

    structuredTest("after a cancelled close the streams raise ClosedResourceError", async () => {
      let process: Process | undefined;
      await new CancelScope().run(async (scope) => {
        await using opened = await openProcess(node("sleeps.cjs"));
        process = opened;
        scope.cancel();
      });
      expect(await caught(process!.stdin!.send(bytes("foo")))).toBeInstanceOf(ClosedResourceError);
      expect(await caught(process!.stdout!.receive(1))).toBeInstanceOf(ClosedResourceError);
      expect(await caught(process!.stderr!.receive(1))).toBeInstanceOf(ClosedResourceError);
      expectReaped(process!.pid);
    });

    structuredTest("after the child exited: send is BrokenResourceError, receive is EndOfStream", async () => {
      const process = await openProcess(node("exits-3.cjs"));
      await process.wait();
      let broken: unknown;
      for (let attempt = 0; attempt < 3 && broken === undefined; attempt++) {
        try {
          await process.stdin!.send(bytes("foo"));
        } catch (error) {
          broken = error;
        }
      }
      expect(broken).toBeInstanceOf(BrokenResourceError);
      expect(["EPIPE", "ERR_STREAM_DESTROYED"]).toContain(((broken as Error).cause as NodeJS.ErrnoException).code);
      expect(await caught(process.stdin!.send(bytes("foo")))).toBeInstanceOf(BrokenResourceError);
      expect(await caught(process.stdout!.receive(1))).toBeInstanceOf(EndOfStream);
      expect(await caught(process.stderr!.receive(1))).toBeInstanceOf(EndOfStream);
      await process.aclose();
      expect(await caught(process.stdin!.send(bytes("foo")))).toBeInstanceOf(ClosedResourceError);
      expect(await caught(process.stdout!.receive(1))).toBeInstanceOf(ClosedResourceError);
      expect(await caught(process.stderr!.receive(1))).toBeInstanceOf(ClosedResourceError);
    });

    structuredTest("closing at once a child that writes a lot does not hang", async () => {
      const process = await openProcess(node("floods-stdout.cjs"));
      await process.aclose();
      expect(process.exitCode).not.toBeNull();
      expectReaped(process.pid);
    });

    structuredTest("closing a pipe while a task receives from it gives that task ClosedResourceError", async () => {
      await using process = await openProcess(node("sleeps.cjs"));
      expect(await readLine(process)).toBe("ready");
      let outcome: unknown;
      {
        await using tg = createTaskGroup();
        tg.startSoon(async () => {
          outcome = await caught(process.stdout!.receive());
        });
        await waitAllTasksBlocked();
        await process.stdout!.aclose();
      }
      expect(outcome).toBeInstanceOf(ClosedResourceError);
      process.terminate();
    });

    structuredTest("wait() returns at the child's exit while a grandchild holds its pipes", async () => {
      const process = await openProcess(node("spawns-grandchild.cjs"));
      const grandchild = Number((await readLine(process)).trim());
      {
        using _limit = failAfter(10_000);
        expect(await process.wait()).toBe(0);
      }
      // The grandchild still has the pipes; closing stdin lets it exit.
      await process.stdin!.aclose();
      {
        using _limit = failAfter(10_000, { shield: true });
        for await (const _ of process.stdout!) void _;
        for await (const _ of process.stderr!) void _;
      }
      await process.aclose();
      expect(Number.isInteger(grandchild)).toBe(true);
    });

    structuredTest("aclose() does not deadlock on a child blocked writing to a full pipe", async () => {
      const process = await openProcess(node("floods-stdout.cjs"));
      {
        using _limit = failAfter(10_000);
        await process.aclose();
      }
      // It died of SIGPIPE (or finished, on a very large pipe).
      expect([0, -13, 1]).toContain(process.exitCode);
      expectReaped(process.pid);
    });

    structuredTest("an interactive child: send, receive, close stdin, read to the end", async () => {
      await using process = await openProcess(["cat"]);
      await process.stdin!.send(bytes("hello"));
      expect(text(await process.stdout!.receive())).toBe("hello");
      await process.stdin!.aclose();
      expect(await caught(process.stdout!.receive())).toBeInstanceOf(EndOfStream);
      expect(await process.wait()).toBe(0);
    });

    structuredTest("openProcess in a cancelled scope starts nothing", async () => {
      const before = childrenOfThisProcess();
      const scope = new CancelScope();
      await scope.run(async () => {
        scope.cancel();
        await openProcess(node("sleeps.cjs"));
      });
      expect(scope.cancelledCaught).toBe(true);
      expect(childrenOfThisProcess()).toEqual(before);
    });

    structuredTest("a program that cannot start rejects with the host's error", async () => {
      const script = path.join(scratch, "not-executable.sh");
      fs.writeFileSync(script, "#!/bin/sh\necho no\n", { mode: 0o644 });
      const error = (await caught(openProcess([script]))) as NodeJS.ErrnoException;
      expect(error.code).toBe("EACCES");
    });

    structuredTest("toString() says whether it runs", async () => {
      const process = await openProcess(node("exits-3.cjs"));
      expect(String(process)).toMatch(new RegExp(`^Process ${process.pid} \\((running|exited with 3)\\)$`));
      await process.aclose();
      expect(String(process)).toBe(`Process ${process.pid} (exited with 3)`);
    });
  },
  { timeout: 30_000 },
);
