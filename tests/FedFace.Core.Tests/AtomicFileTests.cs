using FedFace.Core.Storage;

namespace FedFace.Core.Tests;

public class AtomicFileTests
{
    [Fact]
    public void Writes_the_content_and_creates_missing_directories()
    {
        using var temp = new TempDirectory();
        string path = Path.Combine(temp.Path, "a", "b", "file.bin");
        AtomicFile.Write(path, s => s.Write([1, 2, 3]));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal([Path.Combine("a", "b", "file.bin")], temp.AllFiles());
    }

    [Fact]
    public void Replaces_an_existing_file_whole()
    {
        using var temp = new TempDirectory();
        string path = temp.File("file.bin");
        AtomicFile.Write(path, s => s.Write(new byte[1000]));
        AtomicFile.Write(path, s => s.Write([7]));
        Assert.Equal([7], File.ReadAllBytes(path));
        Assert.Equal(["file.bin"], temp.AllFiles());
    }

    [Fact]
    public void A_writer_that_throws_midway_leaves_the_previous_file_intact_and_no_temp_file()
    {
        using var temp = new TempDirectory();
        string path = temp.File("state.json");
        File.WriteAllText(path, "previous");
        var failure = new IOException("disk went away");

        var thrown = Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[200_000]);
            throw failure;
        }));

        Assert.Same(failure, thrown);
        Assert.Equal("previous", File.ReadAllText(path));
        Assert.Equal(["state.json"], temp.AllFiles());
    }

    [Fact]
    public void A_writer_that_throws_creates_no_file_when_there_was_none()
    {
        using var temp = new TempDirectory();
        Assert.Throws<InvalidOperationException>(() =>
            AtomicFile.Write(temp.File("new.bin"), s => { s.WriteByte(1); throw new InvalidOperationException(); }));
        Assert.Empty(temp.AllFiles());
    }

    [Fact]
    public void Ensuring_a_path_is_writable_makes_its_folder_and_leaves_no_file_behind()
    {
        using var temp = new TempDirectory();
        string path = Path.Combine(temp.Path, "a", "b", "file.bin");

        AtomicFile.EnsureWritable(path);

        Assert.True(Directory.Exists(Path.Combine(temp.Path, "a", "b")));
        Assert.Empty(temp.AllFiles());
    }

    [Fact]
    public void A_path_whose_folder_cannot_be_made_is_an_IOException_naming_it()
    {
        using var temp = new TempDirectory();
        string file = temp.File("file.bin");
        File.WriteAllText(file, "not a folder");
        string path = Path.Combine(file, "gallery.ffg");

        IOException error = Assert.Throws<IOException>(() => AtomicFile.EnsureWritable(path));

        Assert.StartsWith($"cannot write {path}: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(["file.bin"], temp.AllFiles());
    }

    [Fact]
    public void Accepts_a_relative_path()
    {
        using var temp = new TempDirectory();
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, temp.File("rel.bin"));
        AtomicFile.Write(relative, s => s.WriteByte(9));
        Assert.Equal([9], File.ReadAllBytes(temp.File("rel.bin")));
    }

    [Fact]
    public void Reports_each_step_in_order()
    {
        using var temp = new TempDirectory();
        var steps = new List<AtomicWriteStep>();
        AtomicFile.Write(temp.File("file.bin"), s => s.WriteByte(1), steps.Add);
        Assert.Equal(Enum.GetValues<AtomicWriteStep>(), steps);
    }

    [Fact]
    public void An_injected_crash_before_the_rename_leaves_the_previous_file_and_a_temporary_file_that_start_up_removes()
    {
        using var temp = new TempDirectory();
        string path = temp.File("state.json");
        File.WriteAllText(path, "previous");

        Assert.Throws<InjectedCrashException>(() => AtomicFile.Write(path, s => s.WriteByte(1),
            step => throw new InjectedCrashException($"after {step}")));

        Assert.Equal("previous", File.ReadAllText(path));
        string orphan = Assert.Single(temp.AllFiles(), name => name != "state.json");
        Assert.Equal([Path.Combine(temp.Path, orphan)], AtomicFile.RemoveOrphanedTemporaries(temp.Path));
        Assert.Equal(["state.json"], temp.AllFiles());
    }
}
