using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using FedFace.Vision;

namespace FedFace.Benchmarks.Vision;

/// <summary>What one run of lab/python/align_reference.py printed.</summary>
public sealed record PythonAlignRun(int Images, double Seconds, double ImagesPerS, int Aligned, int NoFace, int Unreadable, int Workers,
    string Opencv, string Numpy, string Detector);

/// <summary>Runs lab/python/align_reference.py (Debian's python3-opencv) on a list of images.</summary>
public sealed class PythonAlignReference
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly string _script;
    private readonly string _detectorModel;

    private PythonAlignReference(string python, string script, string detectorModel)
    {
        Python = python;
        _script = script;
        _detectorModel = detectorModel;
    }

    public string Python { get; }

    /// <summary>Checks that <paramref name="python"/> runs and imports cv2 before minutes of measuring depend on it.</summary>
    public static PythonAlignReference Locate(string repositoryRoot, string python, string detectorModel)
    {
        string script = Path.Combine(repositoryRoot, "lab", "python", "align_reference.py");
        if (!File.Exists(script))
        {
            throw new FileNotFoundException($"the Python reference is missing: {script}", script);
        }
        (int exit, string output, string error) = Execute(python, ["-c", "import cv2, numpy; print(cv2.__version__)"]);
        if (exit != 0)
        {
            throw new InvalidOperationException($"{python} cannot import cv2 and numpy ({error.Trim()}); install Debian's python3-opencv "
                + "(bash lab/vision.sh does so when run as root) or pass --python with an interpreter that has them");
        }
        Console.WriteLine($"Python reference: {python}, OpenCV {output.Trim()}");
        return new PythonAlignReference(python, script, detectorModel);
    }

    /// <summary>Aligns the images listed in <paramref name="listFile"/> on <paramref name="workers"/> processes; optionally dumps the tensors.</summary>
    public PythonAlignRun Run(string listFile, int workers, string? dumpPath = null)
    {
        List<string> arguments = [_script, "--images", listFile, "--model", _detectorModel, "--workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        if (dumpPath is not null)
        {
            arguments.AddRange(["--dump", dumpPath]);
        }
        (int exit, string output, string error) = Execute(Python, arguments);
        if (exit != 0)
        {
            throw new InvalidOperationException($"align_reference.py exited with {exit}: {error.Trim()}");
        }
        string json = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        return JsonSerializer.Deserialize<PythonAlignRun>(json, s_json) ?? throw new InvalidDataException($"align_reference.py printed '{json}'");
    }

    /// <summary>The tensors a run dumped, one per image (null where Python found no face).</summary>
    public static float[]?[] ReadDump(string path, int images)
    {
        byte[] bytes = File.ReadAllBytes(path);
        ReadOnlySpan<float> values = MemoryMarshal.Cast<byte, float>(bytes);
        if (values.Length != images * FaceTensor.Length)
        {
            throw new InvalidDataException($"{path} holds {values.Length} floats; expected {images} x {FaceTensor.Length}");
        }
        var tensors = new float[]?[images];
        for (int i = 0; i < images; i++)
        {
            ReadOnlySpan<float> tensor = values.Slice(i * FaceTensor.Length, FaceTensor.Length);
            tensors[i] = float.IsNaN(tensor[0]) ? null : tensor.ToArray();
        }
        return tensors;
    }

    private static (int Exit, string Output, string Error) Execute(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        try
        {
            using Process process = Process.Start(start)!;
            Task<string> error = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output, error.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, "", $"cannot start {program}: {e.Message}");
        }
    }
}
