using System.Xml.Linq;
using SpikeKit.Experiments;
using SpikeKit.Reporting.Frames;
using SpikeKit.Config;
using SpikeKit.Runs;

namespace SpikeKit.Reporting.Tests;

/// <summary>The paper table of a sweep folder (sweep.json): cell values, Δ, counts, references, and its three writers.</summary>
public class PaperTableTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("spikekit-paper-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    PaperTable Load()
    {
        ResultFolder.WriteSweep(_dir);
        return PaperTable.Load(_dir);
    }

    [Fact]
    public void RowsAndColumnsFollowThePlan()
    {
        var t = Load();
        Assert.Equal(["CNN · T=4", "CNN · T=2"], t.Rows.Select(r => r.Name));      // plan order, not sorted
        Assert.Equal(["baseline", "rmp"], t.Columns.Select(c => c.Name));
        Assert.Equal("baseline", t.Baseline?.Name);
        Assert.Equal(["model", "timeSteps"], t.RowAxes);
        Assert.Equal(["seed"], t.AggregatedAxes);
        Assert.Equal("2", t.Rows[1].Labels["timeSteps"]);
        Assert.Equal(4, t.Cells.Count);
    }

    [Fact]
    public void CellsAreMeanAndSampleStdOfCompletedRuns()
    {
        var t = Load();
        var b4 = t.Cell("CNN · T=4", "baseline")!;
        Assert.Equal((3, 3), (b4.Planned, b4.Completed));
        Assert.Equal(89.0, b4.Accuracy.Mean, 9);
        Assert.Equal(1.0, b4.Accuracy.Std, 9);                          // sqrt((1 + 0 + 1) / 2)
        Assert.Equal(0.18, b4.QuantizationError.Mean, 9);
        Assert.Equal(0.0, b4.QuantizationError.Std, 9);
        Assert.True(double.IsNaN(b4.DeltaAccuracy));                    // the baseline column has no Δ

        var r4 = t.Cell("CNN · T=4", "rmp")!;                           // seed 2 failed
        Assert.Equal((3, 2, 2), (r4.Planned, r4.Completed, r4.Accuracy.N));
        Assert.Equal(90.0, r4.Accuracy.Mean, 9);
        Assert.Equal(Math.Sqrt(0.5), r4.Accuracy.Std, 9);               // sqrt((0.25 + 0.25) / 1)
        Assert.Equal(1.0, r4.DeltaAccuracy, 9);
        Assert.Equal(0.09, r4.QuantizationError.Mean, 9);
        Assert.Equal(Math.Sqrt(0.0002), r4.QuantizationError.Std, 9);
        Assert.Equal(-0.09, r4.DeltaQuantizationError, 9);

        var b2 = t.Cell("CNN · T=2", "baseline")!;                      // seed 1 missing
        Assert.Equal((3, 2), (b2.Planned, b2.Completed));
        Assert.Equal(82.0, b2.Accuracy.Mean, 9);
        Assert.Equal(Math.Sqrt(8), b2.Accuracy.Std, 9);                 // sqrt((4 + 4) / 1)
        Assert.Equal(0.21, b2.QuantizationError.Mean, 9);

        var r2 = t.Cell("CNN · T=2", "rmp")!;
        Assert.Equal(85.0, r2.Accuracy.Mean, 9);
        Assert.Equal(2.0, r2.Accuracy.Std, 9);                          // sqrt((4 + 0 + 4) / 2)
        Assert.Equal(3.0, r2.DeltaAccuracy, 9);
        Assert.Equal(0.12, r2.QuantizationError.Mean, 9);
        Assert.Equal(0.02, r2.QuantizationError.Std, 9);
        Assert.Equal(-0.09, r2.DeltaQuantizationError, 9);
        Assert.Equal(["cnn-t2-rmp-s0", "cnn-t2-rmp-s1", "cnn-t2-rmp-s2"], r2.Runs.Select(r => r.Id));
    }

    [Fact]
    public void ReferenceGoesToTheCellWhoseLabelsItNames()
    {
        var t = Load();
        var withReference = t.Cells.Where(c => c.Reference is not null).ToList();
        Assert.Single(withReference);
        Assert.Equal(("CNN · T=4", "rmp"), (withReference[0].Row.Name, withReference[0].Column.Name));
        Assert.Equal(78.28, withReference[0].Reference!.Accuracy);
        var acc = t.AccuracyTable;
        Assert.Equal(["model", "T", "baseline", "rmp", "Δ rmp", "rmp (paper)"], acc.ColumnKeys);
        Assert.Equal("78.28", acc.GetColumn<string>("rmp (paper)").Get("CNN · T=4"));
        Assert.Equal("", acc.GetColumn<string>("rmp (paper)").Get("CNN · T=2"));
        Assert.Equal("Published numbers: RMP-Loss, ICCV 2023.", t.SourcesNote);
    }

    [Fact]
    public void TextCellsShowCountsAndSignedDifferences()
    {
        var t = Load();
        var acc = t.AccuracyTable;
        Assert.Equal(["CNN · T=4", "CNN · T=2"], acc.RowKeys);
        Assert.Equal("89.00 ± 1.00", acc.GetColumn<string>("baseline").Get("CNN · T=4"));
        Assert.Equal("90.00 ± 0.71 (n=2/3)", acc.GetColumn<string>("rmp").Get("CNN · T=4"));
        Assert.Equal("82.00 ± 2.83 (n=2/3)", acc.GetColumn<string>("baseline").Get("CNN · T=2"));
        // Welch's test (the baseline has seeds 0 and 2, rmp 0, 1, 2): 95 % interval by SciPy [−8.954, 14.954], p = 0.34.
        Assert.Equal("+3.00 [-8.95, 14.95]", acc.GetColumn<string>("Δ rmp").Get("CNN · T=2"));
        Assert.Equal(0.34353713245900414, t.Cell("CNN · T=2", "rmp")!.AccuracyDifference!.P, 10);
        var qe = t.QuantizationErrorTable;
        Assert.Equal(["model", "T", "baseline", "rmp", "Δ rmp"], qe.ColumnKeys);
        Assert.Equal("0.1200 ± 0.0200", qe.GetColumn<string>("rmp").Get("CNN · T=2"));
        // Welch: SciPy gives t = −5.892, p = 0.0109 and the interval [−0.13975, −0.04025]: significant, marked *.
        Assert.Equal("-0.0900* [-0.1398, -0.0402]", qe.GetColumn<string>("Δ rmp").Get("CNN · T=2"));
        Assert.Equal(0.01090712127002249, t.Cell("CNN · T=2", "rmp")!.QuantizationErrorDifference!.P, 10);
        Assert.Equal("— (n=0/3)", PaperTable.FormatStat(Stat.Of([]), 3, "F2"));
        Assert.Equal("—", PaperTable.FormatDelta(double.NaN, "F2"));
    }

    [Fact]
    public void RunsNotCompleteAreListedInPlanOrder()
    {
        var t = Load();
        Assert.Equal(["cnn-t4-rmp-s2 (failed: boom)", "cnn-t2-baseline-s1 (pending)"], t.Incomplete.Select(r => r.ToString()));
        Assert.Equal(RunStatus.Failed, t.Incomplete[0].State);
        Assert.Equal("Not complete: 2 of 12 planned runs — cnn-t4-rmp-s2 (failed: boom); cnn-t2-baseline-s1 (pending).", t.IncompleteNote);
    }

    [Fact]
    public void MarkdownHasCaptionAlignedColumnsAndRows()
    {
        var md = PaperTableWriter.Markdown(Load());
        var lines = md.Split('\n');
        Assert.StartsWith("Table: fake_sweep: final acc (%), mean ± std over the seed axis of completed runs;", lines[0]);
        Assert.Equal("| model | T | baseline | rmp | Δ rmp | rmp (paper) |", lines[2]);
        Assert.Equal("|---|---:|---:|---:|---:|---:|", lines[3]);
        Assert.Equal("| CNN | 4 | 89.00 ± 1.00 | 90.00 ± 0.71 (n=2/3) | +1.00 [-1.49, 3.49] | 78.28 |", lines[4]);
        Assert.Equal("| CNN | 2 | 82.00 ± 2.83 (n=2/3) | 85.00 ± 2.00 | +3.00 [-8.95, 14.95] |  |", lines[5]);
        Assert.Contains("| CNN | 2 | 0.2100 ± 0.0141 (n=2/3) | 0.1200 ± 0.0200 | -0.0900* [-0.1398, -0.0402] |", md);
        Assert.Contains("Not complete: 2 of 12 planned runs", md);
    }

    [Fact]
    public void LatexIsABooktabsTableWithEscapedText()
    {
        var tex = PaperTableWriter.Latex(Load());
        Assert.Contains("\\begin{table}", tex);
        Assert.Contains("\\toprule", tex);
        Assert.Contains("\\midrule", tex);
        Assert.Contains("\\bottomrule", tex);
        Assert.Contains("\\begin{tabular}{lrrrrr}", tex);
        Assert.Contains("\\caption{fake\\_sweep: final acc (\\%), mean $\\pm$ std over the seed axis", tex);
        Assert.Contains("\\label{tab:fake-sweep-accuracy}", tex);
        Assert.Contains("model & T & baseline & rmp & $\\Delta$ rmp & rmp (paper) \\\\", tex);
        Assert.Contains("CNN & 4 & 89.00 $\\pm$ 1.00 & 90.00 $\\pm$ 0.71 (n=2/3) & +1.00 [-1.49, 3.49] & 78.28 \\\\", tex);
        Assert.Contains("cnn-t4-rmp-s2 (failed: boom)", tex);
        Assert.DoesNotContain("(%)", tex);                              // every % escaped
        Assert.Equal("a\\_b \\& c \\#1 50\\% \\{x\\} \\$ $\\pm$ ---", FrameLatex.Escape("a_b & c #1 50% {x} $ ± —"));
    }

    [Fact]
    public void HtmlIsWellFormedWithOneRowPerTableRow()
    {
        var html = PaperTableWriter.Html(Load());
        var root = XElement.Parse(html);
        var tables = root.Elements("table").ToList();
        Assert.Equal(2, tables.Count);
        Assert.Equal("spikekit-paper accuracy", (string?)tables[0].Attribute("class"));
        Assert.Equal(6, tables[0].Element("thead")!.Descendants("th").Count());
        var rows = tables[0].Element("tbody")!.Elements("tr").ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(["CNN", "4", "89.00 ± 1.00", "90.00 ± 0.71 (n=2/3)", "+1.00 [-1.49, 3.49]", "78.28"], rows[0].Elements("td").Select(td => td.Value));
        Assert.Equal("num", (string?)rows[0].Elements("td").ElementAt(2).Attribute("class"));
        Assert.Equal(2, tables[1].Element("tbody")!.Elements("tr").Count());
        Assert.StartsWith("fake_sweep: final acc (%)", tables[0].Element("caption")!.Value);
        Assert.Equal(2, root.Elements("p").Count());                     // not complete; sources
    }

    [Fact]
    public void ARunningRunOfASweepIsNamedWithItsPlannedSeed()
    {
        ResultFolder.WriteSweep(_dir);
        File.Delete(Path.Combine(_dir, "cnn-t2-rmp-s1", "summary.json"));     // still training: metrics, no summary
        var note = ReportWriter.IncompleteNote(ResultSet.Load(_dir));
        Assert.Equal("Incomplete: 2 of 11 run(s) have no completed summary — CNN · T=4 · rmp seed 2 (failed, 2 epoch(s)); " +
                     "CNN · T=2 · rmp seed 1 (running, 2 epoch(s)).", note);
    }

    [Fact]
    public void ResultSetOfASweepFolderGroupsRunsByCell()
    {
        ResultFolder.WriteSweep(_dir);
        var rs = ResultSet.Load(_dir);
        Assert.Equal(["CNN · T=4 · baseline", "CNN · T=4 · rmp", "CNN · T=2 · baseline", "CNN · T=2 · rmp"], rs.Variants);
        Assert.Equal(11, rs.Runs.Count);                                 // the missing run has no folder
        var s = rs.Summarize().Single(v => v.Variant == "CNN · T=4 · rmp");
        Assert.Equal(2, s.Seeds);
        Assert.Equal(90.0, s.FinalAccuracy.Mean, 9);
        // Subsets keep the plan's order.
        Assert.Equal(["CNN · T=2 · baseline", "CNN · T=2 · rmp"], rs.Where(r => r.Config!.TimeSteps == 2).Variants);
    }

    [Fact]
    public void ReportOfASweepFolderStartsWithThePaperTableAndWritesTheTables()
    {
        var plan = ResultFolder.WriteSweep(_dir);
        var outDir = Path.Combine(_dir, "report");
        var files = ReportWriter.Write(_dir, outDir);
        Assert.Equal(["tables.md", "tables.tex", "tables.html"], files.Tables.Select(Path.GetFileName));
        Assert.All(files.Tables, f => Assert.True(File.Exists(f)));
        var md = File.ReadAllLines(files.Markdown).Where(l => l.Length > 0).ToList();
        Assert.StartsWith("# SpikeKit report:", md[0]);
        // The folder's failed run is said first (the missing one has no folder, so only the paper table names it).
        Assert.Equal("**Incomplete: 1 of 11 run(s) have no completed summary — CNN · T=4 · rmp seed 2 (failed, 2 epoch(s)).**", md[1]);
        Assert.Equal("## Paper table", md[2]);
        Assert.StartsWith("Table: fake_sweep: final acc (%)", md[3]);
        Assert.Equal("| CNN | 4 | 89.00 ± 1.00 | 90.00 ± 0.71 (n=2/3) | +1.00 [-1.49, 3.49] | 78.28 |", md[6]);
        var text = File.ReadAllText(files.Markdown);
        Assert.True(text.IndexOf("## Paper table", StringComparison.Ordinal) < text.IndexOf("## Summary", StringComparison.Ordinal));
        Assert.Contains("| CNN · T=4 · rmp | 2 | 90.00 ± 0.71 |", text);   // the summary is by cell, not by run
        Assert.DoesNotContain("Δ acc (pp)", text);                      // Δ per row is the paper table's
        Assert.Contains("# Paper tables: fake_sweep", File.ReadAllText(files.Tables[0]));
        Assert.Contains(plan.Description!, File.ReadAllText(files.Tables[0]));
        Assert.Contains("\\toprule", File.ReadAllText(files.Tables[1]));
        var page = File.ReadAllText(files.Tables[2]);
        Assert.StartsWith("<!DOCTYPE html>", page);
        Assert.Contains("<table class=\"spikekit-paper accuracy\">", page);
    }

    [Fact]
    public void NotASweepFolderIsOneClearError()
    {
        ResultFolder.WriteAblation(_dir);
        var e = Assert.Throws<FileNotFoundException>(() => PaperTable.Load(_dir));
        Assert.Contains("sweep.json", e.Message);
        Assert.Empty(ReportWriter.Write(_dir).Tables);                   // an ablation report has no paper tables
    }

    [Fact]
    public void TheEnergyTableAppearsWhenRunsCountedTheirEnergy()
    {
        Assert.Null(Load().EnergyTable); // the fixture's runs predate energy counts
        // T=4 baseline seeds 0, 1, 2: 2, 3, 4 µJ (mean 3); T=4 rmp seeds 0, 1: 1, 2 µJ (mean 1.5, Δ −1.5).
        foreach (var (id, uj) in new[] { ("cnn-t4-baseline-s0", 2.0), ("cnn-t4-baseline-s1", 3.0), ("cnn-t4-baseline-s2", 4.0), ("cnn-t4-rmp-s0", 1.0), ("cnn-t4-rmp-s1", 2.0) })
        {
            var path = Path.Combine(_dir, id, RunFiles.Summary);
            (RunSummary.Load(path) with { FinalEnergyMicrojoules = uj }).Save(path);
        }
        var t = PaperTable.Load(_dir);
        var b = t.Cell("CNN · T=4", "baseline")!;
        Assert.Equal(3.0, b.Energy.Mean, 12);
        Assert.Equal(1.0, b.Energy.Std, 12);
        Assert.Equal(-1.5, t.Cell("CNN · T=4", "rmp")!.DeltaEnergy, 12);
        var energy = Assert.IsType<Deedle.Frame<string, string>>(t.EnergyTable);
        Assert.Equal("3.0000 ± 1.0000", energy.GetColumn<string>("baseline").Get("CNN · T=4"));
        // Welch's test (seeds {0, 1} against {0, 1, 2}): SciPy gives p = 0.148 for [1, 2] against [2, 3, 4].
        Assert.Equal("-1.5000 [-3.9877, 0.9877]", energy.GetColumn<string>("Δ rmp").Get("CNN · T=4"));
        Assert.Equal(Statistics.DifferenceTest.Welch, t.Cell("CNN · T=4", "rmp")!.EnergyDifference!.Test);
        Assert.Equal(0.14802788180389798, t.Cell("CNN · T=4", "rmp")!.EnergyDifference!.P, 10);
        Assert.Equal("—", energy.GetColumn<string>("baseline").Get("CNN · T=2").Split(' ')[0]);
        var md = PaperTableWriter.Markdown(t);
        Assert.Contains("Table: fake_sweep: estimated energy per test sample (µJ, last epoch;", md);
        Assert.Contains("\\label{tab:fake-sweep-energy}", PaperTableWriter.Latex(t));
        XDocument.Parse(PaperTableWriter.Html(t)); // still well-formed
        Assert.Contains("spikekit-paper energy", PaperTableWriter.Html(t));
    }
}
