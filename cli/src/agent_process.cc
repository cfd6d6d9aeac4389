// Where the agent lives and how it is started (cli/src/agent.h): the socket
// path, the private directory, the peer check, and the forked agent process.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "agent.h"
#include "short_names.h"
#include "vault/hardening.h"

namespace cli {

namespace {

// 16 hex digits naming the profile directory: enough to tell apart the few
// profiles of one user, short enough to leave room for a readable name.
constexpr size_t kDirHashBytes = 8;
constexpr size_t kMaxSocketPath = sizeof(sockaddr_un{}.sun_path) - 1;  // and the NUL

// What the agent tells the parent before it serves: one byte.
enum class Startup : char {
  kReady = 'R',
  kNoDir = 'D',
  kNoListen = 'L',
  kDumpable = 'C',
  kUnlocked = 'M'
};

Status StartupStatus(Startup said) {
  switch (said) {
    case Startup::kReady: return Status::OK();
    case Startup::kNoDir:
      return Status::Internal("the agent process could not leave its working directory");
    case Startup::kNoListen:
      return Status::Internal("the agent process could not listen on its socket");
    case Startup::kDumpable:
      return Status::Internal("the agent process could not disable core dumps");
    case Startup::kUnlocked:
      return Status::ResourceExhausted(
          "the agent process could not lock the identity in memory; raise the locked-memory "
          "limit (ulimit -l, RLIMIT_MEMLOCK)");
  }
  return Status::Internal("the agent process did not start");
}

}  // namespace

std::string ErrnoMessage(std::string_view what) {
  return std::string(what) + ": " + std::strerror(errno);
}

Result<AgentPaths> AgentSocketPaths(const std::map<std::string, std::string>& environ,
                                    const std::string& profile_name,
                                    const std::string& profile_dir) {
  if (profile_name.empty() || profile_name.find('/') != std::string::npos) {
    return vault::Fail(Status::InvalidArgument("a profile name cannot hold '/'"));
  }
  std::error_code ec;
  const std::filesystem::path canonical =
      std::filesystem::weakly_canonical(std::filesystem::absolute(profile_dir, ec), ec);
  if (ec || profile_dir.empty()) {
    return vault::Fail(Status::InvalidArgument("cannot resolve the profile directory " +
                                               profile_dir + ": " + ec.message()));
  }
  const crypto::Hash hash = crypto::Blake2b256(crypto::AsBytes(canonical.string()));
  const std::string tag = crypto::ToHex(crypto::ByteView(hash.data(), kDirHashBytes)) + ".sock";
  AgentPaths p;
  if (auto it = environ.find("XDG_RUNTIME_DIR");
      it != environ.end() && it->second.starts_with('/')) {
    std::string base = it->second;
    while (base.size() > 1 && base.ends_with('/')) base.pop_back();
    p.dir = base + "/baton";
  } else {
    p.dir = "/tmp/baton-" + std::to_string(::geteuid());
  }
  const size_t fixed = p.dir.size() + 1 + tag.size();
  if (fixed > kMaxSocketPath) {
    return vault::Fail(
        Status::InvalidArgument("the agent socket path is too long: " + p.dir + "/" + tag));
  }
  // "<name>-" as far as it fits; the hash alone is what tells profiles apart.
  const size_t room = kMaxSocketPath - fixed;
  const std::string name = room > 1 ? profile_name.substr(0, room - 1) + "-" : "";
  p.socket = p.dir + "/" + name + tag;
  return p;
}

Status CheckPrivateDir(const std::string& dir, bool create) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) return Status::IOError(ErrnoMessage("cannot inspect " + dir));
    if (!create) return Status::NotFound(dir + " does not exist");
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::IOError(ErrnoMessage("cannot create " + dir));
    }
    if (::lstat(dir.c_str(), &st) != 0)
      return Status::IOError(ErrnoMessage("cannot inspect " + dir));
  }
  if (S_ISLNK(st.st_mode)) {
    return Status::PermissionDenied(dir + " is a symbolic link; refusing to use it");
  }
  if (!S_ISDIR(st.st_mode)) return Status::PermissionDenied(dir + " is not a directory");
  if (st.st_uid != ::geteuid()) {
    return Status::PermissionDenied(dir + " belongs to another user; refusing to use it");
  }
  if ((st.st_mode & 077) != 0) {
    return Status::PermissionDenied(dir + " is open to other users (it must be 0700)");
  }
  if ((st.st_mode & 0700) != 0700) return Status::PermissionDenied(dir + " is not mode 0700");
  return Status::OK();
}

bool PeerAllowed(const ucred& peer, uid_t self) { return peer.uid == self; }

Status StartAgentProcess(AgentServer& server) {
  if (server.listen_fd() < 0) return Status::FailedPrecondition("the agent is not listening");
  // The agent's one byte on how its start went; end of file if it died first.
  int said[2];
  if (::pipe2(said, O_CLOEXEC) != 0) return Status::IOError(ErrnoMessage("pipe"));
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(said[0]);
    ::close(said[1]);
    return Status::IOError(ErrnoMessage("fork"));
  }
  if (child == 0) {
    ::close(said[0]);
    // First child: a new session, then fork again so the agent is nobody's
    // child and never gets a controlling terminal.
    ::setsid();
    const pid_t agent = ::fork();
    if (agent != 0) {
      server.Detach();
      ::_exit(agent < 0 ? 1 : 0);
    }
    const int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      ::dup2(null_fd, 0);
      ::dup2(null_fd, 1);
      ::dup2(null_fd, 2);
    }
    // No agent without each of these. Memory locks are not inherited
    // across fork: the identity copied from the parent sits in pages that
    // could be swapped out until they are locked again here.
    Startup verdict = Startup::kReady;
    if (::chdir("/") != 0) {
      verdict = Startup::kNoDir;
    } else if (::listen(server.listen_fd(), kAgentBacklog) != 0) {
      // Listening again makes the socket's credentials this process's
      // (not the parent's, which called listen first and exits), so that
      // clients' SO_PEERCRED names the agent itself.
      verdict = Startup::kNoListen;
    } else if (!vault::DisableCoreDumps().ok()) {
      verdict = Startup::kDumpable;
    } else if (!server.Relock().ok()) {
      verdict = Startup::kUnlocked;
    }
    const char byte = static_cast<char>(verdict);
    while (::write(said[1], &byte, 1) < 0 && errno == EINTR) {
    }
    if (verdict != Startup::kReady) {
      server.Detach();
      ::_exit(1);
    }
    const unsigned keep = static_cast<unsigned>(server.listen_fd());
    if (keep > 3) ::close_range(3, keep - 1, 0);
    ::close_range(keep + 1, ~0U, 0);
    if (null_fd > 2 && null_fd != static_cast<int>(keep)) ::close(null_fd);
    (void)server.Serve();  // wipes the identity and removes the socket
    ::_exit(0);
  }
  ::close(said[1]);
  server.Detach();
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  char byte = 0;
  ssize_t n = 0;
  while ((n = ::read(said[0], &byte, 1)) < 0 && errno == EINTR) {
  }
  ::close(said[0]);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || n != 1) {
    return Status::Internal("the agent process did not start");
  }
  return StartupStatus(static_cast<Startup>(byte));
}

}  // namespace cli
