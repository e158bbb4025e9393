package org.storagegateway.smis.simulator.xml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class SafeXmlReaderTests {
    private final SafeXmlReader reader = new SafeXmlReader(new SafeXmlReader.Limits(8, 50));

    private XmlElement read(String xml) throws XmlRefusedException {
        return reader.read(xml.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsElementsAttributesAndText() throws Exception {
        XmlElement root = read("<?xml version=\"1.0\"?><A x=\"1\"><B>t&amp;u</B><!-- c --><B/><C><![CDATA[<d>]]></C></A>");
        assertThat(root.name()).isEqualTo("A");
        assertThat(root.attribute("x")).isEqualTo("1");
        assertThat(root.children("B")).hasSize(2);
        assertThat(root.child("B").text()).isEqualTo("t&u");
        assertThat(root.child("C").text()).isEqualTo("<d>");
    }

    @Test
    void refusesAnyDoctype() {
        assertRefused("<!DOCTYPE A><A/>", XmlRefusedException.Reason.DTD_REFUSED);
        assertRefused("<!DOCTYPE A [<!ENTITY e \"x\">]><A>&e;</A>", XmlRefusedException.Reason.DTD_REFUSED);
        assertRefused("<!DOCTYPE A SYSTEM \"file:///etc/passwd\"><A/>", XmlRefusedException.Reason.DTD_REFUSED);
        assertRefused("<!DOCTYPE A [<!ENTITY % p SYSTEM \"http://127.0.0.1:1/x\"> %p;]><A/>",
                XmlRefusedException.Reason.DTD_REFUSED);
    }

    @Test
    void refusesUndeclaredEntitiesAndMalformedInput() {
        assertRefused("<A>&xxe;</A>", XmlRefusedException.Reason.NOT_WELL_FORMED);
        assertRefused("<A><B></A>", XmlRefusedException.Reason.NOT_WELL_FORMED);
        assertRefused("", XmlRefusedException.Reason.NOT_WELL_FORMED);
        assertRefused("<A>&#1;</A>", XmlRefusedException.Reason.NOT_WELL_FORMED);
    }

    @Test
    void enforcesDepthAndElementLimits() throws Exception {
        read("<a>".repeat(8) + "</a>".repeat(8));
        assertRefused("<a>".repeat(9) + "</a>".repeat(9), XmlRefusedException.Reason.LIMIT_EXCEEDED);
        assertRefused("<a>" + "<b/>".repeat(50) + "</a>", XmlRefusedException.Reason.LIMIT_EXCEEDED);
    }

    private void assertRefused(String xml, XmlRefusedException.Reason reason) {
        assertThatThrownBy(() -> read(xml)).isInstanceOf(XmlRefusedException.class)
                .extracting(e -> ((XmlRefusedException) e).reason()).isEqualTo(reason);
    }
}
