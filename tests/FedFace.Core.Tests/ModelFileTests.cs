using System.Buffers.Binary;
using FedFace.Core.Storage;
using FedFace.Protocol;
using FedFace.Protocol.Storage;
using FedFace.Protos.V1;
using Google.Protobuf;

namespace FedFace.Core.Tests;

public class ModelFileTests
{
    private static ModelState Sample() => Models.Random(21, 3f, ("conv.weight", [8, 3, 3, 3]), ("empty", [0]), ("bn.bias", [8]));

    /// <summary>Magic, little-endian header length, header, data: the documented layout, written by hand.</summary>
    private static byte[] Craft(ModelHeader header, byte[] data, string magic = "FFMODEL1")
    {
        byte[] headerBytes = header.ToByteArray();
        var bytes = new List<byte>(System.Text.Encoding.ASCII.GetBytes(magic));
        byte[] length = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, headerBytes.Length);
        bytes.AddRange(length);
        bytes.AddRange(headerBytes);
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(42L)]
    [InlineData(long.MaxValue)]
    public void Roundtrips_names_shapes_values_and_version(long version)
    {
        using var temp = new TempDirectory();
        string path = temp.File("model.ffm");
        ModelState model = Sample();

        ModelFile.Write(path, model, version);
        (ModelState read, long readVersion) = ModelFile.Read(path);

        Models.AssertIdentical(model, read);
        Assert.Equal(version, readVersion);
    }

    [Fact]
    public void Roundtrips_a_model_larger_than_the_read_buffer()
    {
        using var temp = new TempDirectory();
        string path = temp.File("big.ffm");
        ModelState model = Models.Random(4, 1f, ("a", [300_000]), ("b", [200_000]), ("c", [100_000]));
        ModelFile.Write(path, model, 7);
        Models.AssertIdentical(model, ModelFile.Read(path).Model);
    }

    [Fact]
    public void The_file_is_the_documented_layout()
    {
        using var temp = new TempDirectory();
        string path = temp.File("model.ffm");
        ModelState model = Sample();
        ModelFile.Write(path, model, 5);
        Assert.Equal(Craft(TensorWire.ModelHeaderOf(model, 5), Models.RawBytes(model)), File.ReadAllBytes(path));
    }

    [Fact]
    public void Writing_leaves_no_temporary_files_behind()
    {
        using var temp = new TempDirectory();
        ModelFile.Write(temp.File("a.ffm"), Sample(), 1);
        ModelFile.Write(temp.File("a.ffm"), Sample(), 2);
        ModelFile.Write(temp.File("b.ffm"), Sample(), 3);
        Assert.Equal(["a.ffm", "b.ffm"], temp.AllFiles());
        Assert.Equal(2, ModelFile.Read(temp.File("a.ffm")).Version);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(896)] // the first data byte: Sample() holds 224 floats
    public void A_flipped_data_byte_is_refused_by_the_hash(int offsetFromEnd)
    {
        using var temp = new TempDirectory();
        string path = temp.File("model.ffm");
        ModelFile.Write(path, Sample(), 1);
        Assert.Equal(896, Sample().DataBytes);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[^offsetFromEnd] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Read(path));
        Assert.Contains("SHA-256", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void A_damaged_hash_in_the_header_is_refused()
    {
        using var temp = new TempDirectory();
        string path = temp.File("model.ffm");
        ModelState model = Sample();
        ModelHeader header = TensorWire.ModelHeaderOf(model, 1);
        byte[] sha = header.Sha256.ToByteArray();
        sha[0] ^= 0x80;
        header.Sha256 = ByteString.CopyFrom(sha);
        File.WriteAllBytes(path, Craft(header, Models.RawBytes(model)));

        Assert.Contains("SHA-256", Assert.Throws<InvalidDataException>(() => ModelFile.Read(path)).Message);
    }

    [Fact]
    public void A_truncated_file_is_refused_wherever_it_was_cut()
    {
        using var temp = new TempDirectory();
        string path = temp.File("model.ffm");
        ModelFile.Write(path, Sample(), 1);
        byte[] whole = File.ReadAllBytes(path);
        int headerEnd = 12 + BinaryPrimitives.ReadInt32LittleEndian(whole.AsSpan(8, 4));

        // Empty, inside the magic, inside the length, inside the header, at the header's end, inside the data.
        int[] lengths = [0, 5, 8, 10, 12, 13, headerEnd - 1, headerEnd, headerEnd + 3, whole.Length - 4, whole.Length - 1];
        foreach (int length in lengths)
        {
            File.WriteAllBytes(path, whole[..length]);
            var error = Record.Exception(() => ModelFile.Read(path));
            Assert.True(error is InvalidDataException, $"cut at {length} of {whole.Length}: {error?.GetType().Name ?? "no error"} {error?.Message}");
            Assert.Contains(path, error!.Message);
        }
    }

    [Fact]
    public void A_file_cut_inside_the_data_reports_declared_and_present_bytes()
    {
        using var temp = new TempDirectory();
        string path = temp.File("model.ffm");
        ModelState model = Sample();
        ModelFile.Write(path, model, 1);
        byte[] whole = File.ReadAllBytes(path);
        File.WriteAllBytes(path, whole[..^4]);

        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Read(path));
        Assert.Contains($"declares {model.DataBytes} data bytes but {model.DataBytes - 4} follow", error.Message);
    }

    [Fact]
    public void A_padded_file_is_refused()
    {
        using var temp = new TempDirectory();
        string path = temp.File("model.ffm");
        ModelFile.Write(path, Sample(), 1);
        File.AppendAllText(path, "x");
        Assert.Contains("padded", Assert.Throws<InvalidDataException>(() => ModelFile.Read(path)).Message);
    }

    [Theory]
    [InlineData("FFMODEL2")]
    [InlineData("ffmodel1")]
    [InlineData("\0\0\0\0\0\0\0\0")]
    public void A_file_with_bad_magic_is_refused(string magic)
    {
        using var temp = new TempDirectory();
        string path = temp.File("model.ffm");
        ModelState model = Sample();
        File.WriteAllBytes(path, Craft(TensorWire.ModelHeaderOf(model, 1), Models.RawBytes(model), magic));

        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Read(path));
        Assert.Contains("bad magic", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public void An_implausible_header_length_is_refused(int headerLength)
    {
        using var temp = new TempDirectory();
        string path = temp.File("model.ffm");
        byte[] bytes = Craft(TensorWire.ModelHeaderOf(Sample(), 1), Models.RawBytes(Sample()));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8, 4), headerLength);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("header length", Assert.Throws<InvalidDataException>(() => ModelFile.Read(path)).Message);
    }

    [Fact]
    public void An_unparseable_header_is_refused()
    {
        using var temp = new TempDirectory();
        string path = temp.File("model.ffm");
        byte[] garbage = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        var bytes = new List<byte>("FFMODEL1"u8.ToArray());
        bytes.AddRange(BitConverter.GetBytes(garbage.Length));
        bytes.AddRange(garbage);
        File.WriteAllBytes(path, bytes.ToArray());
        Assert.Contains("header", Assert.Throws<InvalidDataException>(() => ModelFile.Read(path)).Message);
    }

    [Theory]
    [InlineData(new long[] { 1L << 30 })]
    [InlineData(new long[] { long.MaxValue, 2 })]
    [InlineData(new long[] { -4 })]
    public void A_header_declaring_impossible_or_absent_data_is_refused_before_allocating(long[] shape)
    {
        using var temp = new TempDirectory();
        string path = temp.File("model.ffm");
        var header = new ModelHeader
        {
            ModelVersion = 1,
            Tensors = { new TensorSpec { Name = "w", Shape = { shape }, DataType = DataType.Float32 } },
        };
        File.WriteAllBytes(path, Craft(header, new byte[16]));

        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidDataException>(() => ModelFile.Read(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "the reader allocated the declared tensor");
    }

    /// <summary>Found by fuzzing (tests/FedFace.Fuzz.Tests): a tensor without a name crashed the reader with an ArgumentException.</summary>
    [Fact]
    public void A_tensor_without_a_name_is_refused_as_an_unreadable_header()
    {
        using var temp = new TempDirectory();
        string path = temp.File("model.ffm");
        var header = new ModelHeader
        {
            ModelVersion = 1,
            Tensors = { new TensorSpec { Name = "", Shape = { 2 }, DataType = DataType.Float32 } },
        };
        File.WriteAllBytes(path, Craft(header, new byte[8]));

        Assert.Equal($"{path}: unreadable header: a tensor is declared without a name", Assert.Throws<InvalidDataException>(() => ModelFile.Read(path)).Message);
    }

    [Fact]
    public void A_missing_file_is_reported_as_not_found()
    {
        using var temp = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => ModelFile.Read(temp.File("absent.ffm")));
    }
}
