// rpcd's ACL model for the luci-app-wgjs test backend (as rpcd's session.c does it): an acl.d
// group has "read" and "write" parts; a login holding a group with write also gets its read
// part. Each part maps a scope ("ubus", "uci", ...) either in table notation
// {object: [function, ...]} (those functions are granted) or in array notation [object, ...]
// (the function granted is the part's name, "read" or "write"). A call is allowed when some grant
// of the scope matches object and function as fnmatch(3) patterns ("wgjs.*" matches "wgjs.wg0",
// not "wgjs").
//   sessionGrants([{ group, perms: ['read'] | ['read', 'write'] }], groupsByName) -> grants
//   allowed(grants, scope, object, fn) -> boolean
//   aclFile(path) -> { groupName: {description, read, write} }
import { readFileSync } from 'node:fs';

export function aclFile(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function glob(pattern) {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`);
}

/** Grants of a session holding the given groups ({group, perms}) of the loaded acl.d files. */
export function sessionGrants(held, groups) {
  const grants = [];
  for (const { group, perms } of held) {
    const g = groups[group];
    if (!g) throw new Error(`no ACL group ${group}`);
    // write implies read (rpcd: rpc_login_test_permission)
    const parts = perms.includes('write') ? ['read', 'write'] : perms;
    for (const part of parts) {
      for (const [scope, spec] of Object.entries(g[part] || {})) {
        if (Array.isArray(spec)) for (const object of spec) grants.push({ scope, object: glob(object), fn: glob(part) });
        else for (const [object, fns] of Object.entries(spec)) for (const fn of fns) grants.push({ scope, object: glob(object), fn: glob(fn) });
      }
    }
  }
  return grants;
}

export function allowed(grants, scope, object, fn) {
  return grants.some((g) => g.scope === scope && g.object.test(object) && g.fn.test(fn));
}
