-- Bilingual labels for the small code lists used by the classifier
-- (organisation kinds and levels, place levels, policy-document types, date precisions).
-- One row per (code_list, code); dimensions join here for their zh/en labels.
select
    code_list,
    code,
    label_zh,
    label_en,
    sort_order
from (
    values
    ('organisation_kind', 'ministry', '中央部委', 'Central ministry or agency', 1),
    ('organisation_kind', 'government', '地方政府部门', 'Local government body', 2),
    ('organisation_kind', 'company', '企业', 'Company', 3),
    ('organisation_kind', 'association', '行业协会', 'Industry association', 4),
    ('organisation_kind', 'think_tank', '智库与研究机构', 'Think tank or research institute', 5),
    ('organisation_kind', 'university', '高校', 'University', 6),
    ('organisation_kind', 'media', '媒体', 'Media', 7),
    ('organisation_kind', 'other', '其他', 'Other', 8),
    ('organisation_level', 'national', '国家级', 'National', 1),
    ('organisation_level', 'provincial', '省级', 'Provincial', 2),
    ('organisation_level', 'municipal', '市级', 'Municipal', 3),
    ('organisation_level', 'county', '县级', 'County', 4),
    ('organisation_level', 'district', '区级', 'District', 5),
    ('place_level', 'province', '省级行政区', 'Province-level division', 1),
    ('place_level', 'city', '地级行政区', 'Prefecture-level city', 2),
    ('place_level', 'county', '县级行政区', 'County-level division', 3),
    ('policy_doc_type', 'law', '法律', 'Law', 1),
    ('policy_doc_type', 'regulation', '法规与规定', 'Regulation', 2),
    ('policy_doc_type', 'opinion', '意见', 'Opinion (policy guidance)', 3),
    ('policy_doc_type', 'measures', '措施与办法', 'Measures', 4),
    ('policy_doc_type', 'plan', '规划、方案与要点', 'Plan or programme', 5),
    ('policy_doc_type', 'notice', '通知', 'Notice', 6),
    ('policy_doc_type', 'guideline', '指南与指引', 'Guideline', 7),
    ('policy_doc_type', 'other', '其他文件', 'Other document', 8),
    ('date_precision', 'day', '日', 'Day', 1),
    ('date_precision', 'month', '月', 'Month', 2),
    ('date_precision', 'quarter', '季度', 'Quarter', 3),
    ('date_precision', 'year', '年', 'Year', 4)
) as labels (code_list, code, label_zh, label_en, sort_order)  -- noqa: AL05
