#include "dicom/dicom_send.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/scu.h>

#include <cstdio>
#include <map>
#include <set>

namespace cloudfilm::dicom {

bool parseStoreDestination(const std::string& text, StoreDestination& destination, std::string& error) {
  const auto at = text.find('@');
  const auto colon = text.rfind(':');
  if (at == std::string::npos || colon == std::string::npos || colon < at) {
    error = "expected AET@HOST:PORT, e.g. PACS@192.168.1.20:104";
    return false;
  }
  const std::string aet = text.substr(0, at), host = text.substr(at + 1, colon - at - 1), port = text.substr(colon + 1);
  if (aet.empty() || aet.size() > 16) {
    error = "the AE title must be 1 to 16 characters";
    return false;
  }
  if (host.empty()) {
    error = "no host in " + text;
    return false;
  }
  unsigned long number = 0;
  if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
      (number = std::stoul(port)) == 0 || number > 65535) {
    error = "the port must be a number from 1 to 65535";
    return false;
  }
  destination.calledAeTitle = aet;
  destination.host = host;
  destination.port = static_cast<std::uint16_t>(number);
  return true;
}

StoreOutcome storeFiles(const StoreDestination& destination, const std::vector<StoreItem>& items,
                        const std::function<void(std::size_t, const StoreItemResult&)>& progress) {
  StoreOutcome outcome;
  std::map<std::string, std::set<std::string>> syntaxesOfClass;
  for (const auto& item : items) syntaxesOfClass[item.sopClassUid].insert(item.transferSyntaxUid);

  DcmSCU scu;
  scu.setAETitle(destination.callingAeTitle.c_str());
  scu.setPeerHostName(destination.host.c_str());
  scu.setPeerPort(destination.port);
  scu.setPeerAETitle(destination.calledAeTitle.c_str());
  scu.setConnectionTimeout(destination.timeoutSeconds);
  scu.setACSETimeout(static_cast<Uint32>(destination.timeoutSeconds));
  scu.setDIMSETimeout(static_cast<Uint32>(destination.timeoutSeconds));
  scu.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
  // One presentation context per SOP class and transfer syntax: each file is offered exactly as it is kept. An
  // association holds at most 128 contexts.
  std::size_t contexts = 0;
  for (const auto& [sopClass, syntaxes] : syntaxesOfClass)
    for (const auto& syntax : syntaxes) {
      if (++contexts > 128) {
        outcome.associationProblem = "more than 128 kinds of file (SOP class and transfer syntax) for one association";
        return outcome;
      }
      OFList<OFString> proposed;
      proposed.push_back(syntax.c_str());
      scu.addPresentationContext(sopClass.c_str(), proposed);
    }
  OFCondition status = scu.initNetwork();
  if (status.good()) status = scu.negotiateAssociation();
  if (status.bad()) {
    outcome.associationProblem = std::string(status.text());
    if (status == DUL_ASSOCIATIONREJECTED)
      outcome.associationProblem = "the destination refused the association (check its AE title " +
                                   destination.calledAeTitle + " and that it accepts " +
                                   destination.callingAeTitle + ")";
    else if (status == DUL_NETWORKCLOSED || std::string(status.text()).find("connect") != std::string::npos)
      outcome.associationProblem = "cannot reach " + destination.host + ":" + std::to_string(destination.port) +
                                   " (" + status.text() + ")";
    return outcome;
  }
  bool connected = true;
  for (std::size_t i = 0; i < items.size(); ++i) {
    StoreItemResult result;
    const auto& item = items[i];
    const T_ASC_PresentationContextID context =
        scu.findPresentationContextID(item.sopClassUid.c_str(), item.transferSyntaxUid.c_str());
    if (!connected) {
      result.message = "not sent: the association ended";
    } else if (context == 0) {
      result.message = "not sent: the destination does not accept this kind of file as it is (" +
                       item.sopClassUid + ", transfer syntax " + item.transferSyntaxUid + ")";
    } else {
      Uint16 response = 0;
      status = scu.sendSTORERequest(context, OFFilename(item.file.c_str()), nullptr, response);
      if (status.bad()) {
        result.message = std::string("not sent: ") + status.text();
        if (!scu.isConnected()) connected = false;
      } else {
        result.status = response;
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%04X", response);
        if (response == 0x0000) {
          result.stored = true;
          result.message = "stored";
        } else if (response == 0x0001 || (response & 0xF000) == 0xB000) {
          result.stored = true;
          result.message = std::string("stored with a warning (") + hex + ")";
        } else {
          result.message = std::string("refused by the destination (status ") + hex + ")";
        }
      }
    }
    outcome.items.push_back(result);
    if (progress) progress(i, result);
  }
  if (scu.isConnected()) scu.releaseAssociation();
  return outcome;
}

}  // namespace cloudfilm::dicom
