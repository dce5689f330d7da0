// A tiny HTTP/1.1 server on 127.0.0.1 for tests that download: serves files
// from memory, honours "Range: bytes=N-", and can drop a connection part way
// through a file. Tests never reach the internet.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hyperlab::test {

class LocalHttpServer {
 public:
  struct File {
    std::string body;
    int drop_after = -1;    ///< send only this many bytes of the body, then close...
    int drops = 0;          ///< ...on this many requests
    bool ranges = true;     ///< false: ignore Range and send everything (HTTP 200)
  };

  LocalHttpServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET, a.sin_addr.s_addr = htonl(INADDR_LOOPBACK), a.sin_port = 0;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 16);
    thread_ = std::thread([this] { loop(); });
  }
  ~LocalHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  void serve(const std::string& path, File f) {
    std::lock_guard<std::mutex> lk(m_);
    files_[path] = std::move(f);
  }
  /// Each request as "GET /path" plus " bytes=N-" when it asked for a range.
  std::vector<std::string> requests() const {
    std::lock_guard<std::mutex> lk(m_);
    return requests_;
  }

 private:
  void loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      handle(c);
      ::close(c);
    }
  }
  static void send_all(int c, const std::string& s) {
    for (size_t done = 0; done < s.size();) {
      const ssize_t n = ::send(c, s.data() + done, s.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;
      done += static_cast<size_t>(n);
    }
  }
  void handle(int c) {
    std::string req;
    char buf[4096];
    while (req.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      req.append(buf, static_cast<size_t>(n));
    }
    const size_t sp = req.find(' '), sp2 = req.find(' ', sp + 1);
    const std::string path = req.substr(sp + 1, sp2 - sp - 1);
    long long from = -1;
    const size_t r = req.find("Range: bytes=");
    if (r != std::string::npos) from = std::stoll(req.substr(r + 13));
    std::lock_guard<std::mutex> lk(m_);
    requests_.push_back("GET " + path + (from >= 0 ? " bytes=" + std::to_string(from) + "-" : ""));
    auto it = files_.find(path);
    if (it == files_.end()) {
      send_all(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return;
    }
    File& f = it->second;
    const bool partial = from > 0 && f.ranges && from < static_cast<long long>(f.body.size());
    std::string body = partial ? f.body.substr(static_cast<size_t>(from)) : f.body;
    std::string head = partial ? "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + std::to_string(from) + "-" +
                                     std::to_string(f.body.size() - 1) + "/" + std::to_string(f.body.size()) + "\r\n"
                               : "HTTP/1.1 200 OK\r\n";
    head += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    if (f.drops > 0 && f.drop_after >= 0 && f.drop_after < static_cast<int>(body.size())) {
      --f.drops;
      body.resize(static_cast<size_t>(f.drop_after));
    }
    send_all(c, head + body);
  }

  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex m_;
  std::map<std::string, File> files_;
  std::vector<std::string> requests_;
};

}  // namespace hyperlab::test
