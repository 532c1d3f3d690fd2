import * as z from 'zod/mini';
import { useApi } from '../../../shared/api/api-context.tsx';
import { ErrorAlert } from '../../../shared/ui/alert.tsx';
import { CopyField } from '../../../shared/ui/copy-field.tsx';
import { Loading } from '../../../shared/ui/loading.tsx';
import { useResource } from '../../../shared/use-resource.ts';

const rightsPageSchema = z.object({ pageUrl: z.string() });

/**
 * The organisation's public rights page (issue 12, finding 7): its full address, from the server's public URL, to
 * copy onto the organisation's website and into its privacy policy. Customers find it there, in the privacy notice,
 * on the join page, at the end of a call and in every mail.
 */
export function RightsPageLink(props: { orgId: string }) {
  const api = useApi();
  const page = useResource(() => api.get(`/api/public/organisations/${encodeURIComponent(props.orgId)}/rights-page`, rightsPageSchema), [api, props.orgId]);
  return (
    <section class="panel" aria-labelledby="rights-page-heading">
      <h2 id="rights-page-heading">Rights page for your customers</h2>
      <p>
        Customers ask for a copy of their data, its erasure, a correction or a pause of its use on this page, in English or
        German, without an account. Link it from your website and your privacy policy; Parley links it from the privacy
        notice, the join page, the end of every call and its mails.
      </p>
      {page.state.status === 'loading' && <Loading label="Loading the address of the rights page…" />}
      {page.state.status === 'error' && <ErrorAlert error={page.state.error} title="The address of the rights page could not be loaded" />}
      {page.state.status === 'ready' && (
        <>
          <CopyField label="Address of the rights page" value={page.state.data.pageUrl} testId="rights-page-url" />
          <p>
            <a href={page.state.data.pageUrl} target="_blank" rel="noopener">
              Open the rights page
            </a>
          </p>
        </>
      )}
    </section>
  );
}
