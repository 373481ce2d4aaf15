using System.Buffers.Binary;
using FedFace.Evaluation.Identification;

namespace FedFace.Evaluation.Tests.Identification;

public sealed class GalleryFileTests : IDisposable
{
    private readonly TempDirectory _scratch = new();
    private readonly string _path;
    private readonly byte[] _bytes;

    public GalleryFileTests()
    {
        var gallery = new Gallery(dimension: 3);
        gallery.Enroll("ann", [1, 2, 3]);
        gallery.Enroll("bob", [-1, 0, 2]);
        _path = _scratch.File("gallery.ffg");
        gallery.Save(_path);
        _bytes = File.ReadAllBytes(_path);
    }

    [Fact]
    public void Has_the_documented_layout()
    {
        // magic 8, version 4, dimension 4, count 4, ids (4 + 3) × 2, templates 2 × 3 × 4, crc 4
        Assert.Equal(8 + 4 + 4 + 4 + 14 + 24 + 4, _bytes.Length);
        Assert.Equal("FFGALLRY"u8.ToArray(), _bytes[..8]);
        Assert.Equal(GalleryFile.Version, BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(8)));
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(_bytes.AsSpan(12)));
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(_bytes.AsSpan(16)));
        Assert.Equal(System.IO.Hashing.Crc32.HashToUInt32(_bytes.AsSpan(..^4)), BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(^4)));
        Assert.Equal([Path.GetFileName(_path)], Directory.GetFiles(_scratch.Path).Select(Path.GetFileName)); // no temporary left
    }

    [Fact]
    public void A_file_cut_short_anywhere_is_reported_as_truncated()
    {
        for (int length = 0; length < _bytes.Length; length++)
        {
            File.WriteAllBytes(_path, _bytes[..length]);
            var error = Assert.Throws<InvalidDataException>(() => Gallery.Load(_path));
            Assert.StartsWith($"{_path}: truncated", error.Message);
        }
        File.WriteAllBytes(_path, _bytes[..25]);
        Assert.Contains("2 templates of dimension 3 need at least 58 bytes, the file has 25",
            Assert.Throws<InvalidDataException>(() => Gallery.Load(_path)).Message);
        File.WriteAllBytes(_path, _bytes[..^2]);
        Assert.Contains("ends inside the checksum", Assert.Throws<InvalidDataException>(() => Gallery.Load(_path)).Message);
    }

    [Fact]
    public void A_flipped_bit_in_the_templates_fails_the_checksum()
    {
        _bytes[40] ^= 0x10;
        File.WriteAllBytes(_path, _bytes);
        Assert.Contains("checksum mismatch", Assert.Throws<InvalidDataException>(() => Gallery.Load(_path)).Message);
    }

    // Layout of the test file: magic 0–7, version 8–11, dimension 12–15, count 16–19, id lengths at 20 and 27,
    // "ann" at 24–26, "bob" at 31–33, templates 34–57, checksum 58–61.
    [Theory]
    [InlineData(0, (byte)'F', (byte)'X', "not a gallery file")]
    [InlineData(8, 1, 9, "version 9 is not supported")]
    [InlineData(12, 3, 0, "dimension 0 and count 2 are impossible")]
    [InlineData(20, 3, 0, "person id 1 of 2 claims 0 bytes")]
    [InlineData(24, (byte)'a', 0xFF, "person id 1 of 2 is not valid UTF-8")]
    [InlineData(31, (byte)'b', (byte)'a', "checksum mismatch")] // "aob" is a fine id: only the checksum notices
    public void A_damaged_header_or_id_is_named(int offset, byte expected, byte replacement, string message)
    {
        Assert.Equal(expected, _bytes[offset]);
        _bytes[offset] = replacement;
        File.WriteAllBytes(_path, _bytes);
        Assert.Contains(message, Assert.Throws<InvalidDataException>(() => Gallery.Load(_path)).Message);
    }

    [Fact]
    public void A_repeated_id_and_bytes_after_the_checksum_are_named()
    {
        File.WriteAllBytes(_path, [.. _bytes, 0]);
        Assert.Contains("1 unexpected bytes after the checksum", Assert.Throws<InvalidDataException>(() => Gallery.Load(_path)).Message);

        "ann"u8.CopyTo(_bytes.AsSpan(31)); // "bob" → "ann"
        File.WriteAllBytes(_path, _bytes);
        Assert.Contains("person id 2 of 2, 'ann', appears twice", Assert.Throws<InvalidDataException>(() => Gallery.Load(_path)).Message);
    }

    public void Dispose() => _scratch.Dispose();
}
