"use structured";
// A program that hangs: two transfers between the same accounts, in opposite directions, each
// taking the locks in its own order. Run it, then ask it what it is doing:
//
//   node --import anyio-ts/register examples/deadlock.ts &
//   kill -USR2 $!        # prints the task tree to stderr (runWith's dumpOnSignal)
//   kill $!              # SIGTERM: cancels the run, every finally block runs
//
// docs/introspection.md reads the dump this prints.
import { Lock, createTaskGroup, runWith, sleep } from "anyio-ts";

class Account {
  readonly lock = new Lock();
  constructor(
    readonly name: string,
    public balance: number,
  ) {}
}

/** Stands for a call to an audit service before money moves. */
async function audit(account: Account): Promise<void> {
  await sleep(50);
  if (account.balance < 0) throw new Error(`${account.name} is overdrawn`);
}

async function transfer(from: Account, to: Account, amount: number): Promise<void> {
  await from.lock.acquire();
  try {
    await audit(from);
    await to.lock.acquire();
    try {
      from.balance -= amount;
      to.balance += amount;
    } finally {
      to.lock.release();
    }
  } finally {
    from.lock.release();
  }
}

async function settle(batch: [Account, Account, number][]): Promise<void> {
  for (const [from, to, amount] of batch) await transfer(from, to, amount);
}

async function report(accounts: Account[]): Promise<never> {
  for (;;) {
    await sleep(1000);
    console.log(accounts.map((a) => `${a.name}: ${a.balance}`).join(", "));
  }
}

async function main(): Promise<void> {
  const alice = new Account("alice", 100);
  const bob = new Account("bob", 100);
  console.log(`pid ${process.pid}: send SIGUSR2 for a task dump`);
  await using tg = createTaskGroup();
  tg.startSoon({ name: "reporter" }, report, [alice, bob]);
  tg.startSoon({ name: "batch alice->bob" }, settle, [[alice, bob, 30]]);
  tg.startSoon({ name: "batch bob->alice" }, settle, [[bob, alice, 20]]);
}

void runWith({ dumpOnSignal: "SIGUSR2" }, main);
