import Glibc

/// Giving up root once the capture is open (`--user`).
public enum Privileges {
    /// True when running with effective user id 0.
    public static var isRoot: Bool { geteuid() == 0 }

    /// When the effective user is root: switches the whole process (all threads) to `user`'s uid
    /// and primary gid, with no supplementary groups, and checks that root cannot be regained.
    /// A no-op when not root. Open the capture (and the first output file) before calling this;
    /// files made later (rotation, reports) are made as `user`.
    /// Throws `.unknownUser` when there is no such account (nothing changed then), and
    /// `.cannotDropPrivileges` when a step fails or root could be regained.
    public static func drop(to user: String) throws(CaptureError) {
        guard geteuid() == 0 else { return }
        let (uid, gid) = try lookUp(user)
        if uid == 0 { throw .cannotDropPrivileges(user, "it is a root account (uid 0)") }
        guard setgroups(0, nil) == 0 else { throw failure(user, "setgroups") }
        guard setgid(gid) == 0 else { throw failure(user, "setgid(\(gid))") }
        guard setuid(uid) == 0 else { throw failure(user, "setuid(\(uid))") }
        // setuid as root sets real, effective and saved ids: there must be no way back.
        if setuid(0) == 0 || seteuid(0) == 0 {
            throw .cannotDropPrivileges(user, "root could be regained after setuid(\(uid))")
        }
        guard getuid() == uid, geteuid() == uid, getgid() == gid, getegid() == gid else {
            throw .cannotDropPrivileges(user, "the ids did not change as asked")
        }
    }

    /// The account's uid and gid, through getpwnam_r.
    static func lookUp(_ user: String) throws(CaptureError) -> (uid_t, gid_t) {
        var size = sysconf(Int32(_SC_GETPW_R_SIZE_MAX))
        if size <= 0 { size = 16_384 }
        while true {
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>?
            var buffer = [CChar](repeating: 0, count: size)
            let rc = getpwnam_r(user, &entry, &buffer, buffer.count, &result)
            if rc == ERANGE && size < 1 << 20 { size *= 4; continue }
            if rc != 0 && rc != ENOENT && rc != ESRCH && rc != EBADF && rc != EPERM {
                throw .cannotDropPrivileges(user, "looking up the account: " + String(cString: strerror(rc)))
            }
            guard result != nil else { throw .unknownUser(user) }
            return (entry.pw_uid, entry.pw_gid)
        }
    }

    private static func failure(_ user: String, _ step: String) -> CaptureError {
        .cannotDropPrivileges(user, "\(step): " + String(cString: strerror(errno)))
    }
}
