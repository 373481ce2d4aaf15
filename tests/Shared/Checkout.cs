namespace FedFace.Tests;

/// <summary>The FedFace checkout these tests were built from.</summary>
internal static class Checkout
{
    /// <summary>The folder with FedFace.sln above the test binaries.</summary>
    public static string Root()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FedFace.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"no FedFace.sln above {AppContext.BaseDirectory}");
    }
}
