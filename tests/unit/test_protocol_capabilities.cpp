// The capabilities the host announces and its exit statuses, against docs/protocol.md (as test_protocol_messages.cpp
// checks the error table): the document is the contract, so what the host does must be what it says.
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "host/session.h"
#include "protocol/capabilities.h"

namespace {

std::string protocolDocument() {
  std::ifstream in(std::string(CLOUDFILM_SOURCE_DIR) + "/docs/protocol.md");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The lines of the table that follows `header` (a line of its own), up to the first line that is not a row.
std::vector<std::string> tableRows(const std::string& document, const std::string& header) {
  std::vector<std::string> rows;
  std::istringstream lines(document);
  bool inTable = false;
  for (std::string line; std::getline(lines, line);) {
    if (!inTable) {
      inTable = line == header;
      continue;
    }
    if (line.empty() || line[0] != '|') break;
    rows.push_back(line);
  }
  return rows;
}

// "| `name` | what it announces |" rows, in document order.
std::vector<std::string> documentedCapabilities(const std::string& document) {
  const std::regex row(R"(^\|\s*`([a-z0-9-]+)`\s*\|)");
  std::vector<std::string> names;
  std::smatch match;
  for (const std::string& line : tableRows(document, "| capability | announces |"))
    if (std::regex_search(line, match, row)) names.push_back(match[1]);
  return names;
}

std::vector<std::string> hostCapabilities() {
  const auto announced = cloudfilm::protocol::hostCapabilities();
  return {announced.begin(), announced.end()};
}

std::vector<std::string> missingFrom(const std::vector<std::string>& from, const std::vector<std::string>& names) {
  const std::set<std::string> present(from.begin(), from.end());
  std::vector<std::string> missing;
  for (const auto& name : names)
    if (!present.count(name)) missing.push_back(name);
  return missing;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

}  // namespace

TEST(ProtocolCapabilities, HostListIsUniqueAndNamed) {
  const auto names = hostCapabilities();
  EXPECT_FALSE(names.empty());
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  for (const auto& name : names) EXPECT_TRUE(std::regex_match(name, std::regex("[a-z0-9-]+"))) << name;
}

TEST(ProtocolCapabilities, TableMatchesWhatTheHostAnnounces) {
  const std::string document = protocolDocument();
  ASSERT_FALSE(document.empty()) << "docs/protocol.md not found";
  const auto documented = documentedCapabilities(document);
  ASSERT_FALSE(documented.empty()) << "no \"| capability | announces |\" table in docs/protocol.md";
  const auto announced = hostCapabilities();
  EXPECT_TRUE(missingFrom(documented, announced).empty())
      << "announced by the host, not in the document's table: " << joined(missingFrom(documented, announced));
  EXPECT_TRUE(missingFrom(announced, documented).empty())
      << "in the document's table, not announced by the host: " << joined(missingFrom(announced, documented));
  EXPECT_EQ(documented, announced) << "the table lists them in the order hello-result sends them";
}

TEST(ProtocolCapabilities, HelloExampleListsWhatTheHostAnnounces) {
  const std::string document = protocolDocument();
  // The example reply under "### `hello`": its "capabilities":[...] array, wrapped over lines or not.
  const auto hello = document.find("### `hello`");
  ASSERT_NE(hello, std::string::npos);
  const std::string section = document.substr(hello, document.find("\n### ", hello + 1) - hello);
  std::smatch match;
  ASSERT_TRUE(std::regex_search(section, match, std::regex(R"re("capabilities":\[([^\]]*)\])re")))
      << "no \"capabilities\":[...] in the hello example";
  std::vector<std::string> example;
  const std::string list = match[1];
  const std::regex quoted(R"re("([^"]*)")re");
  for (auto it = std::sregex_iterator(list.begin(), list.end(), quoted); it != std::sregex_iterator(); ++it)
    example.push_back((*it)[1]);
  EXPECT_EQ(example, hostCapabilities()) << "the hello-result example is what the host sends";
}

TEST(ProtocolExitStatus, TableMatchesTheExitStatusEnum) {
  using namespace cloudfilm::host;
  // Every ExitStatus value, with the name it has in session.h (for the failure message).
  const std::map<int, std::string> statuses = {
      {kExitOk, "kExitOk"},
      {kExitInternal, "kExitInternal"},
      {kExitFrameTooLarge, "kExitFrameTooLarge"},
      {kExitRefusedCaller, "kExitRefusedCaller"},
      {kExitStartup, "kExitStartup"},
      {kExitTruncated, "kExitTruncated"},
  };
  ASSERT_EQ(statuses.size(), 6u) << "two ExitStatus values share a number";
  const std::regex row(R"(^\|\s*(\d+)\s*\|\s*(\S.*?)\s*\|\s*$)");
  std::map<int, std::string> documented;
  std::smatch match;
  for (const std::string& line : tableRows(protocolDocument(), "| status | meaning |"))
    if (std::regex_match(line, match, row)) documented[std::stoi(match[1])] = match[2];
  ASSERT_FALSE(documented.empty()) << "no \"| status | meaning |\" table in docs/protocol.md";
  for (const auto& [status, name] : statuses)
    EXPECT_TRUE(documented.count(status)) << name << " = " << status << " is not in the document's exit status table";
  for (const auto& [status, meaning] : documented)
    EXPECT_TRUE(statuses.count(status)) << "the document's exit status " << status << " (" << meaning
                                        << ") is no ExitStatus value";
}
