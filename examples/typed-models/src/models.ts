import type { KeyValue } from "@kv/protocol";
import { ZodAdapter } from "@kv/zod";
import * as z from "zod";

/** A user. Emails are normalised on the way in; `roles` defaults to none. */
export const User = z.object({
  name: z.string().min(1),
  email: z.string().trim().toLowerCase().pipe(z.email()),
  roles: z.array(z.enum(["admin", "editor"])).default([]),
  joined: z.iso.date(), // a calendar date as text; z.date() fields are stored as ISO-8601 and read back as Date
});
export type User = z.output<typeof User>;

/** The first shape of a user, still found in old entries. */
const UserV1 = z
  .object({ fullName: z.string(), mail: z.string() })
  .transform(({ fullName, mail }) => ({ name: fullName, email: mail, joined: "2020-01-01" }));

/** What the users collection may hold: either shape, always read (and stored) as a `User`. */
const StoredUser = z.union([User, UserV1]).pipe(User);

/** An order: its total is checked against its lines. */
export const Order = z
  .object({
    user: z.string(),
    lines: z.array(z.object({ sku: z.string(), quantity: z.int().positive(), cents: z.int() })),
    totalCents: z.int(),
  })
  .refine(
    ({ lines, totalCents }) =>
      totalCents === lines.reduce((sum, line) => sum + line.quantity * line.cents, 0),
    { message: "totalCents must equal the sum of the lines", path: ["totalCents"] },
  );
export type Order = z.output<typeof Order>;

/** The team's typed repositories, on whatever store the application was given. */
export function repositories(store: KeyValue) {
  return {
    users: new ZodAdapter(store, StoredUser, { defaultCollection: "users" }),
    orders: new ZodAdapter(store, Order, { defaultCollection: "orders" }),
    tags: new ZodAdapter(store, z.array(z.string()), { defaultCollection: "tags" }),
  };
}
