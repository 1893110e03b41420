// The model card on a model page: a reviewer writes it in Markdown (a <script> and a javascript:
// link stay inert text, the headings render), a second save adds version 2 to the history, a
// viewer reads it without an editor, and "On this page" jumps to the sections.
import { expect, test } from './fixtures';
import { exportDemoJob, pageAs } from './helpers';

// 6–7: the compare and CLI specs export this job too, but nothing deploys it.
const JOB = 'autoencoder-age-6-7-2026-11';

const FIRST = [
  '## Intended use',
  '',
  'Screens **drawings** of 6–7 year olds.',
  '',
  '<script>window.__cardPwned = 1</script>',
  '',
  '[click me](javascript:window.__cardPwned=2)',
  '',
  '## Limitations',
  '',
  '- Not for other ages.',
].join('\n');

test('a reviewer writes a safe, versioned model card; a viewer reads it; the page jumps to its sections', async ({
  browser,
}) => {
  const reviewer = await pageAs(browser, 'reviewer', '/training-jobs');
  const modelId = await exportDemoJob(reviewer.request, JOB, { min: 6, max: 7 });
  await reviewer.goto(`/models/${modelId}`);
  await expect(reviewer.getByRole('heading', { level: 1, name: `${JOB} · 6–7 years · ONNX` })).toBeVisible();

  const card = reviewer.getByRole('region', { name: 'Model card' });
  await expect(card.getByText('No model card yet')).toBeVisible();
  const editor = card.getByRole('textbox', { name: /^Model card/ });
  // The template's four sections are offered while the card is empty.
  await expect(editor).toHaveValue(/## Intended use[\s\S]*## Training data[\s\S]*## Evaluation[\s\S]*## Limitations/);
  await editor.fill(FIRST);
  await card.getByRole('tab', { name: 'Preview' }).click();
  await expect(
    card.getByRole('tabpanel', { name: 'Preview' }).getByRole('heading', { name: 'Limitations' }),
  ).toBeVisible();
  await card.getByRole('button', { name: 'Save model card' }).click();
  await expect(card.getByText('Saved version 1.')).toBeVisible();

  // Rendered: headings and emphasis; the script is shown as text, the javascript: link is no link.
  await reviewer.reload();
  const view = reviewer.getByRole('region', { name: 'Model card' });
  await expect(view.getByText(/^Version 1, saved .* by Remy Reviewer$/)).toBeVisible();
  await expect(view.getByRole('heading', { level: 3, name: 'Intended use' }).first()).toBeVisible();
  await expect(view.getByRole('heading', { level: 3, name: 'Limitations' }).first()).toBeVisible();
  await expect(view.locator('strong', { hasText: 'drawings' }).first()).toBeVisible();
  await expect(view.getByText('<script>window.__cardPwned = 1</script>').first()).toBeVisible();
  await expect(view.locator('script')).toHaveCount(0);
  await expect(view.getByText('click me').first()).toBeVisible();
  await expect(view.getByRole('link', { name: 'click me' })).toHaveCount(0);
  await expect(view.locator('a[href^="javascript:" i]')).toHaveCount(0);
  expect(await reviewer.evaluate(() => (window as unknown as { __cardPwned?: number }).__cardPwned)).toBeUndefined();

  // A second save is version 2; the history keeps both.
  await view.getByText('Edit the model card').click();
  await view.getByRole('textbox', { name: /^Model card/ }).fill(`${FIRST}\n\n## Evaluation\n\nMedian error 1e-4.`);
  await view.getByRole('button', { name: 'Save as version 2' }).click();
  await expect(view.getByText('Saved version 2.')).toBeVisible();

  const viewer = await pageAs(browser, 'viewer', `/models/${modelId}`);
  const read = viewer.getByRole('region', { name: 'Model card' });
  await expect(read.getByText(/^Version 2, saved .* by Remy Reviewer$/)).toBeVisible();
  await expect(read.getByRole('heading', { level: 3, name: 'Evaluation' }).first()).toBeVisible();
  await read.getByText('History (2 versions)').click();
  const history = read.getByRole('list', { name: 'Model card versions, newest first' });
  await expect(history.getByRole('listitem')).toHaveCount(2);
  await expect(history.getByText(/^Version 1 · /)).toBeVisible();
  // A viewer reads the card but has no editor.
  await expect(read.getByRole('textbox')).toHaveCount(0);
  await expect(read.getByText(/Edit the model card|Write the model card/)).toHaveCount(0);
  await expect(read.getByRole('button', { name: /^Save/ })).toHaveCount(0);

  // "On this page" names every section and jumps to them.
  const nav = viewer.getByRole('navigation', { name: 'On this page' });
  for (const name of ['Overview', 'Model card', 'Preview', 'Validation', 'Deployments', 'Reviews']) {
    await expect(nav.getByRole('link', { name })).toBeVisible();
  }
  await nav.getByRole('link', { name: 'Validation' }).click();
  await expect(viewer).toHaveURL(new RegExp(`/models/${modelId}#validation$`));
  await expect(viewer.getByRole('heading', { level: 2, name: 'Validation' })).toBeInViewport();
});
