// MARK: - AcceleratorSchema

// GENERATED from HardwareSpecs/accelerator.xsd by `make schema`; a test checks the two agree.

/// The XML Schema every hardware spec is validated against, compiled in so the binary needs
/// no files beside it.
enum AcceleratorSchema {
    /// The text of `HardwareSpecs/accelerator.xsd`.
    static let text = #"""
<?xml version="1.0" encoding="UTF-8"?>
<!-- SparseSim hardware spec, version 1. Every number carries its unit in its attribute name.
     Checks XML Schema cannot express (one DRAM level first, sizes that hold a tile, bit-width
     ranges between attributes, N:M parameters) are made by the loader (Docs/hardware-specs.md). -->
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">

  <xs:simpleType name="positiveDecimal">
    <xs:restriction base="xs:decimal"><xs:minExclusive value="0"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="nonNegativeDecimal">
    <xs:restriction base="xs:decimal"><xs:minInclusive value="0"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="bits">
    <xs:restriction base="xs:positiveInteger"><xs:maxInclusive value="64"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="count">
    <xs:restriction base="xs:positiveInteger"><xs:maxInclusive value="1048576"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="operand">
    <xs:restriction base="xs:token">
      <xs:enumeration value="weights"/><xs:enumeration value="inputs"/><xs:enumeration value="outputs"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="operandList">
    <xs:restriction>
      <xs:simpleType><xs:list itemType="operand"/></xs:simpleType>
      <xs:minLength value="1"/>
    </xs:restriction>
  </xs:simpleType>

  <xs:element name="accelerator">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="technology">
          <xs:complexType>
            <xs:attribute name="nodeNm" type="positiveDecimal"/>
            <xs:attribute name="clockMHz" type="positiveDecimal" use="required"/>
          </xs:complexType>
        </xs:element>
        <xs:element name="pe-array">
          <xs:complexType>
            <xs:attribute name="rows" type="count" use="required"/>
            <xs:attribute name="cols" type="count" use="required"/>
            <xs:attribute name="macsPerPE" type="count" default="1"/>
            <xs:attribute name="operandBits" type="bits" use="required"/>
            <xs:attribute name="accumulatorBits" type="bits" use="required"/>
            <xs:attribute name="accumulateCycles" type="xs:nonNegativeInteger"/>
          </xs:complexType>
        </xs:element>
        <xs:element name="energy" minOccurs="0">
          <xs:complexType>
            <xs:attribute name="macPJ" type="nonNegativeDecimal"/>
            <xs:attribute name="gatedMacPJ" type="nonNegativeDecimal"/>
          </xs:complexType>
        </xs:element>
        <xs:element name="memory">
          <xs:complexType>
            <xs:sequence>
              <xs:element name="level" maxOccurs="16">
                <xs:complexType>
                  <xs:attribute name="name" type="xs:NCName" use="required"/>
                  <xs:attribute name="type" use="required">
                    <xs:simpleType>
                      <xs:restriction base="xs:token">
                        <xs:enumeration value="dram"/><xs:enumeration value="sram"/>
                        <xs:enumeration value="regfile"/><xs:enumeration value="noc"/>
                      </xs:restriction>
                    </xs:simpleType>
                  </xs:attribute>
                  <xs:attribute name="sizeKiB" type="positiveDecimal"/>
                  <xs:attribute name="sizeBytes" type="xs:positiveInteger"/>
                  <xs:attribute name="banks" type="count" default="1"/>
                  <xs:attribute name="widthBits" type="count" use="required"/>
                  <xs:attribute name="bandwidthGBps" type="positiveDecimal"/>
                  <xs:attribute name="readPJ" type="nonNegativeDecimal"/>
                  <xs:attribute name="writePJ" type="nonNegativeDecimal"/>
                  <xs:attribute name="holds" type="operandList" use="required"/>
                </xs:complexType>
              </xs:element>
            </xs:sequence>
          </xs:complexType>
          <xs:unique name="uniqueLevelName">
            <xs:selector xpath="level"/>
            <xs:field xpath="@name"/>
          </xs:unique>
        </xs:element>
        <xs:element name="dataflow">
          <xs:complexType>
            <xs:attribute name="type" use="required">
              <xs:simpleType>
                <xs:restriction base="xs:token">
                  <xs:enumeration value="weight-stationary"/><xs:enumeration value="output-stationary"/>
                  <xs:enumeration value="input-stationary"/><xs:enumeration value="row-stationary"/>
                  <xs:enumeration value="cartesian-product"/><xs:enumeration value="inner-join"/>
                  <xs:enumeration value="basis-first"/><xs:enumeration value="indexing"/>
                  <xs:enumeration value="outer-product"/>
                  <xs:enumeration value="ws"/><xs:enumeration value="os"/>
                  <xs:enumeration value="is"/><xs:enumeration value="rs"/>
                </xs:restriction>
              </xs:simpleType>
            </xs:attribute>
            <xs:attribute name="weightVector" type="count"/>
            <xs:attribute name="inputVector" type="count"/>
            <xs:attribute name="accumulatorBanks" type="count"/>
            <xs:attribute name="channelGroup" type="count"/>
            <xs:attribute name="chunkSize" type="count"/>
            <xs:attribute name="inputTile" type="count"/>
            <xs:attribute name="weightTile" type="count"/>
          </xs:complexType>
        </xs:element>
        <xs:element name="sparsity" minOccurs="0">
          <xs:complexType>
            <xs:sequence>
              <xs:element name="operand" maxOccurs="3">
                <xs:complexType>
                  <xs:attribute name="name" type="operand" use="required"/>
                  <xs:attribute name="exploit" default="none">
                    <xs:simpleType>
                      <xs:restriction base="xs:token">
                        <xs:enumeration value="none"/><xs:enumeration value="gate"/><xs:enumeration value="skip"/>
                      </xs:restriction>
                    </xs:simpleType>
                  </xs:attribute>
                  <xs:attribute name="format" default="dense">
                    <xs:simpleType>
                      <xs:restriction base="xs:token">
                        <xs:enumeration value="dense"/><xs:enumeration value="bitmap"/><xs:enumeration value="rle"/>
                        <xs:enumeration value="csr"/><xs:enumeration value="csc"/><xs:enumeration value="nm"/>
                        <xs:enumeration value="block"/>
                      </xs:restriction>
                    </xs:simpleType>
                  </xs:attribute>
                  <xs:attribute name="balancing" default="none">
                    <xs:simpleType>
                      <xs:restriction base="xs:token">
                        <xs:enumeration value="none"/><xs:enumeration value="greedy"/>
                      </xs:restriction>
                    </xs:simpleType>
                  </xs:attribute>
                  <xs:attribute name="runBits" type="bits"/>
                  <xs:attribute name="indexBits" type="bits"/>
                  <xs:attribute name="n" type="count"/>
                  <xs:attribute name="m" type="count"/>
                  <xs:attribute name="blockSize" type="count"/>
                </xs:complexType>
              </xs:element>
            </xs:sequence>
          </xs:complexType>
          <xs:unique name="uniqueSparsityOperand">
            <xs:selector xpath="operand"/>
            <xs:field xpath="@name"/>
          </xs:unique>
        </xs:element>
        <xs:element name="decomposition" minOccurs="0">
          <xs:complexType>
            <xs:attribute name="bases" type="count" use="required"/>
            <xs:attribute name="sharing" use="required">
              <xs:simpleType>
                <xs:restriction base="xs:token">
                  <xs:enumeration value="layer"/><xs:enumeration value="channel"/>
                </xs:restriction>
              </xs:simpleType>
            </xs:attribute>
            <xs:attribute name="basisBits" type="bits" use="required"/>
            <xs:attribute name="coefficientBits" type="bits" use="required"/>
            <xs:attribute name="intermediateBits" type="bits" use="required"/>
            <xs:attribute name="basisMacs" type="count"/>
            <xs:attribute name="intermediateKiB" type="positiveDecimal"/>
          </xs:complexType>
        </xs:element>
        <xs:element name="vector-unit" minOccurs="0">
          <xs:complexType>
            <xs:attribute name="lanes" type="count"/>
            <xs:attribute name="cyclesPerOp" type="count"/>
            <xs:attribute name="energyPerOpPJ" type="nonNegativeDecimal"/>
          </xs:complexType>
        </xs:element>
      </xs:sequence>
      <xs:attribute name="name" type="xs:string" use="required"/>
      <xs:attribute name="version" type="xs:positiveInteger" fixed="1"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""#
}
