namespace FedFace.Vision.Tests;

public sealed class SiteDatasetTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void ListsPhotosPerPersonIncludingSubFoldersAndSkipsTheRest()
    {
        _folder.File("Bob/b.JPG", [1]);
        _folder.File("Alice/2019/holiday.png", [1]);
        _folder.File("Alice/a.jpeg", [1]);
        _folder.File("Alice/notes.txt", [1]);
        _folder.File("Alice/.thumbs/a.jpg", [1]);
        _folder.File(".fedface-cache/x.jpg", [1]);
        _folder.File("loose.jpg", [1]);
        _folder.File("Carol/readme.md", [1]);

        SiteDataset dataset = SiteDataset.Scan(_folder.Path);

        Assert.Equal(
            [("Alice", "Alice/a.jpeg"), ("Alice", "Alice/2019/holiday.png"), ("Bob", "Bob/b.JPG")],
            dataset.Images.Select(i => (i.Person, Path.GetRelativePath(_folder.Path, i.Path))));
        Assert.Equal(["Alice", "Bob"], dataset.People);
        Assert.Equal(["loose.jpg", "Alice/notes.txt", "Carol/readme.md"], dataset.IgnoredFiles.Select(f => Path.GetRelativePath(_folder.Path, f)));
        Assert.Equal(["loose.jpg"], dataset.LoosePhotos.Select(f => Path.GetRelativePath(_folder.Path, f)));
        dataset.EnsurePersonFolders(); // loose photos beside person folders are only listed
    }

    [Fact]
    public void LoosePhotosWithoutAnyPersonFolderAreAClearErrorWhereNamesAreNeeded()
    {
        _folder.File("IMG_0001.jpg", [1]);
        _folder.File("IMG_0002.jpg", [1]);

        SiteDataset dataset = SiteDataset.Scan(_folder.Path);

        Assert.Equal(2, dataset.LoosePhotos.Count);
        var e = Assert.Throws<InvalidDataException>(dataset.EnsurePersonFolders);
        Assert.Contains("holds 2 photos but no person's folder; expected a folder per person", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingFolderIsAClearError()
    {
        string missing = Path.Combine(_folder.Path, "nope");

        var e = Assert.Throws<DirectoryNotFoundException>(() => SiteDataset.Scan(missing));

        Assert.Contains(missing, e.Message);
    }
}
