import Testing

@testable import Sim

@Suite struct XMLLibraryTests {
    @Test func dottedVersion() {
        #expect(XMLLibrary.dotted("20914") == "2.9.14")
        #expect(XMLLibrary.dotted("21003-GITv2.10.3") == "2.10.3")
        #expect(XMLLibrary.dotted("abc") == "abc")
    }

    @Test func runtimeVersionIsAtLeast2_9() {
        let parts = XMLLibrary.version.split(separator: ".").compactMap { Int($0) }
        #expect(parts.count == 3)
        #expect(parts[0] > 2 || (parts[0] == 2 && parts[1] >= 9))
    }
}
