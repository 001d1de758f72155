// libFuzzer target: any bytes given to the template parsers must come back as a document or
// nil, never as a crash, a trap or a hang; and a document must be one the cheap prefix check
// lets through, since an import reads only the files that pass it (Ingest.prepare).
import CFuzzDriver
import Foundation
import TemplateTrackTemplates

/// A Swift executable has a `main` of its own, so libFuzzer's is never linked: this one hands
/// the command line to libFuzzer's driver.
@main
enum Main {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, { data, size in fuzzTemplateRecognizer(data, size) }))
    }
}

/// FUZZ_SKIP_PREFIX_CHECK=1 looks for crashes only, past a known disagreement between
/// `mayRecognize` and `recognize` (see Fuzz/regressions/).
private let checksPrefixAgreement = ProcessInfo.processInfo.environment["FUZZ_SKIP_PREFIX_CHECK"] == nil

/// One input.
func fuzzTemplateRecognizer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let mayBe = TemplateRecognizer.mayRecognize(prefix: bytes.prefix(4096))
    if let document = TemplateRecognizer.recognize(bytes) {
        _ = document.kind
        if checksPrefixAgreement {
            precondition(mayBe, "recognized a \(document.kind) document that the prefix check would skip")
        }
    }
    return 0
}
