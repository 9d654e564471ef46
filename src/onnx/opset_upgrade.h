// Pass: bring the default-domain opset up to 13.
#pragma once

#include <onnx/onnx_pb.h>

#include "onnx/normalize_log.h"
#include "qac/status.h"

namespace qac {

// Why qac's own rewrites and not libonnx's onnx::version_conversion::ConvertVersion: the
// converter needs the input shapes of some ops and aborts without them (on PP-OCRv4 rec, whose
// shapes are symbolic: "Version conversion for Softmax failed because input shape is unknown"),
// and it reports failures by exceptions from deep inside libonnx, with no node named. The
// rewrites here cover the operator changes up to opset 13 that real exported models use,
// name the node when a change cannot be carried over, and are checked against ONNX's node test
// data (tests/onnx/opset_conformance_test.cc).
//
// When the model imports the default ONNX domain at an opset below 13, rewrites every node
// (main graph and subgraphs) whose operator changed between that opset and 13 into its
// opset-13 form with the same results, then imports the default domain at 13 (other domains
// are kept). Models at 13 or later keep their nodes. In every case an ir_version below 7 is
// raised to 7 (opset 13 needs IR 7).
// Errors: Unsupported naming the node and op for a change this pass cannot carry over;
// InvalidModel for nodes that are malformed for their opset.
Status upgrade_opset(onnx::ModelProto& model, NormalizeLog& log);

}  // namespace qac
