package org.storagegateway.smis.simulator.xml;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.storagegateway.smis.simulator.cim.CimInstance;
import org.storagegateway.smis.simulator.cim.CimType;
import org.storagegateway.smis.simulator.cim.ObjectPath;
import org.storagegateway.smis.simulator.array.SimulatorSchema;

class CimXmlWriterTests {

    @Test
    void emptyElementsGetExplicitEndTags() {
        CimXmlWriter w = new CimXmlWriter("h:1").beginReply("7");
        w.start("IMETHODRESPONSE").attribute("NAME", "EnumerateInstances").start("IRETURNVALUE").end();
        String xml = new String(w.finish(), StandardCharsets.UTF_8);
        assertThat(xml).contains("<IRETURNVALUE></IRETURNVALUE>").doesNotContain("/>")
                .contains("<MESSAGE ID=\"7\" PROTOCOLVERSION=\"1.0\">")
                .endsWith("</IMETHODRESPONSE></SIMPLERSP></MESSAGE></CIM>");
    }

    @Test
    void instancesWriteNullsAsValuelessPropertiesAndReferencesAsFullPaths() {
        ObjectPath pool = ObjectPath.instance("root/sim", "SIM_StoragePool",
                List.of(new ObjectPath.Key("InstanceID", CimType.STRING, "P<&>\"1")));
        CimInstance a = CimInstance.builder(SimulatorSchema.get().require("SIM_AllocatedFromStoragePool"), "root/sim")
                .set("Antecedent", pool).set("Dependent", pool).set("SpaceConsumed", 5L).build();
        CimXmlWriter w = new CimXmlWriter("example:5988").beginReply("1");
        w.valueObjectWithPath(a, InstanceView.ALL);
        String xml = new String(w.finish(), StandardCharsets.UTF_8);
        assertThat(xml).doesNotContain("/>")
                .contains("<PROPERTY.REFERENCE NAME=\"Antecedent\" REFERENCECLASS=\"CIM_StoragePool\"><VALUE.REFERENCE>"
                        + "<INSTANCEPATH><NAMESPACEPATH><HOST>example:5988</HOST><LOCALNAMESPACEPATH>"
                        + "<NAMESPACE NAME=\"root\"></NAMESPACE><NAMESPACE NAME=\"sim\"></NAMESPACE>")
                .contains("<PROPERTY NAME=\"SpaceConsumed\" TYPE=\"uint64\"><VALUE>5</VALUE></PROPERTY>")
                .contains("P&lt;&amp;&gt;\"1");
    }

    @Test
    void uint64ValuesArePrintedUnsigned() {
        assertThat(CimType.UINT64.format(-1L)).isEqualTo("18446744073709551615");
        assertThat(CimType.UINT64.parse("18446744073709551615")).isEqualTo(-1L);
    }
}
