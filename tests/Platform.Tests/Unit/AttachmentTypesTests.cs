using System.IO.Compression;
using Platform.Catalogue.Model;
using Shouldly;

namespace Platform.Tests.Unit;

public sealed class AttachmentTypesTests
{
    [Fact]
    public void A_zip_with_OFD_xml_at_its_root_is_an_OFD_package()
    {
        using var file = Zip("OFD.xml", "Doc_0/Document.xml");
        AttachmentTypes.Detect(file.ToArray())?.Name.ShouldBe("OFD");
        AttachmentTypes.IsOfdPackage(file).ShouldBeTrue();
    }

    [Theory]
    [InlineData("readme.txt")]
    [InlineData("Doc_0/OFD.xml")]
    [InlineData("OFD.xml.bak")]
    public void A_zip_without_OFD_xml_at_its_root_is_not_an_OFD_package(string entry)
    {
        using var file = Zip(entry);
        AttachmentTypes.IsOfdPackage(file).ShouldBeFalse();
    }

    [Fact]
    public void Bytes_that_only_start_like_a_zip_are_not_an_OFD_package()
    {
        using var file = new MemoryStream("PK\u0003\u0004 and then nothing a zip needs"u8.ToArray());
        AttachmentTypes.IsOfdPackage(file).ShouldBeFalse();
    }

    private static MemoryStream Zip(params string[] entries)
    {
        var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                using var writer = new StreamWriter(zip.CreateEntry(entry).Open());
                writer.Write("<ofd:OFD/>");
            }
        }
        buffer.Position = 0;
        return buffer;
    }
}
