-- Departments sign in too (街乡吹哨、部门报到): a user of role department is bound to a
-- jurisdiction and to one of its departments (by code), and sees and handles only the cases
-- dispatched to that department.
ALTER TABLE app_user DROP CONSTRAINT app_user_role_check;
ALTER TABLE app_user ADD CONSTRAINT app_user_role_check
    CHECK (role IN ('worker', 'leader', 'planner', 'scheduler', 'department', 'admin'));
ALTER TABLE app_user ADD COLUMN department_code text;
ALTER TABLE app_user ADD CONSTRAINT app_user_department_check
    CHECK ((role = 'department') = (department_code IS NOT NULL)
           AND (role <> 'department' OR jurisdiction_id IS NOT NULL));
