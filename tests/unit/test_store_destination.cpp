// `cloudfilm send --to AET@HOST:PORT`: what is a destination.
#include <gtest/gtest.h>

#include "dicom/dicom_send.h"

namespace cloudfilm::dicom {
namespace {

TEST(StoreDestination, AetHostPort_Parsed) {
  StoreDestination d;
  std::string error;
  ASSERT_TRUE(parseStoreDestination("PACS@192.168.1.20:104", d, error)) << error;
  EXPECT_EQ(d.calledAeTitle, "PACS");
  EXPECT_EQ(d.host, "192.168.1.20");
  EXPECT_EQ(d.port, 104);
  ASSERT_TRUE(parseStoreDestination("ORTHANC@pacs.example:4242", d, error)) << error;
  EXPECT_EQ(d.host, "pacs.example");
  EXPECT_EQ(d.port, 4242);
}

TEST(StoreDestination, Malformed_Refused) {
  StoreDestination d;
  std::string error;
  for (const char* bad : {"", "PACS", "PACS@host", "@host:104", "PACS@:104", "PACS@host:0", "PACS@host:65536",
                          "PACS@host:12a", "A_TITLE_LONGER_THAN_16@host:104", "host:104@PACS"}) {
    EXPECT_FALSE(parseStoreDestination(bad, d, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

}  // namespace
}  // namespace cloudfilm::dicom
